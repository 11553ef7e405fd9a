<?xml version="1.0" encoding="UTF-8"?>
<!--
  teikit HTML: textstructure.xsl (TEI chapter "Default Text Structure")
  ====================================================================
  The document article and its outline: exactly one h1 per page (the letter's
  heading, or the header title when the text has no single titled division),
  divisions as <section> with h2…h6 by depth, and the parts of a letter
  (opener, salute, closer, signed, dateline, byline, postscript) as
  paragraphs with tk- classes.
-->
<xsl:stylesheet version="3.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:tei="http://www.tei-c.org/ns/1.0"
    xmlns:tk="https://teikit.org/ns/xslt"
    exclude-result-prefixes="#all">

  <!-- h2…h6 for a division head: the page h1 is the letter heading or the header title. -->
  <xsl:function name="tk:heading-level" as="xs:integer">
    <xsl:param name="head" as="element(tei:head)"/>
    <xsl:variable name="depth" as="xs:integer" select="count($head/ancestor::*[self::tei:div
        or self::tei:div1 or self::tei:div2 or self::tei:div3 or self::tei:div4 or self::tei:div5
        or self::tei:div6 or self::tei:div7])"/>
    <xsl:variable name="titled" as="xs:boolean"
        select="exists(tk:title-div($head/ancestor::tei:TEI[1]))"/>
    <xsl:sequence select="max((2, min((6, $depth + (if ($titled) then 0 else 1)))))"/>
  </xsl:function>

  <!-- ======================================================= the article -->

  <xsl:template match="tei:TEI">
    <xsl:variable name="title-div" as="element(tei:div)?" select="tk:title-div(.)"/>
    <article class="tk-document tk-{tk:kind(.)}">
      <xsl:call-template name="tk:lang-attribute"/>
      <header class="tk-document-header">
        <xsl:choose>
          <xsl:when test="$title-div">
            <xsl:for-each select="$title-div/tei:head[@type = ('document', 'kicker')]">
              <p class="tk-kicker"><xsl:apply-templates/></p>
            </xsl:for-each>
            <h1>
              <xsl:for-each select="tk:main-heads($title-div)">
                <xsl:if test="position() gt 1"><br/></xsl:if>
                <xsl:apply-templates/>
              </xsl:for-each>
            </h1>
          </xsl:when>
          <xsl:otherwise>
            <h1><xsl:value-of select="tk:title(.)"/></h1>
          </xsl:otherwise>
        </xsl:choose>
      </header>
      <xsl:call-template name="tk:correspondence-nav">
        <xsl:with-param name="tei" select="."/>
      </xsl:call-template>
      <xsl:apply-templates select="tei:teiHeader" mode="tk:metadata"/>
      <xsl:variable name="interventions" as="xs:boolean"
          select="$view-toggle and exists(tei:text//(tei:choice | tei:supplied | tei:note[@type = 'editorial']))"/>
      <xsl:if test="$interventions">
        <input type="radio" name="tk-view" id="tk-view-reading" class="tk-view-input"
            value="reading" checked="checked"/>
        <input type="radio" name="tk-view" id="tk-view-diplomatic" class="tk-view-input"
            value="diplomatic"/>
        <div class="tk-view-switch" role="group" aria-label="{tk:msg('view.label')}">
          <span class="tk-view-caption"><xsl:value-of select="tk:msg('view.caption')"/></span>
          <label for="tk-view-reading" title="{tk:msg('view.reading.title')}"><xsl:value-of select="tk:msg('view.reading')"/></label>
          <label for="tk-view-diplomatic" title="{tk:msg('view.diplomatic.title')}"><xsl:value-of select="tk:msg('view.diplomatic')"/></label>
        </div>
      </xsl:if>
      <div class="tk-text">
        <xsl:apply-templates select="tei:text"/>
      </div>
      <xsl:apply-templates select="tei:standOff"/>
      <xsl:call-template name="tk:facsimiles">
        <xsl:with-param name="tei" select="."/>
      </xsl:call-template>
      <xsl:call-template name="tk:notes">
        <xsl:with-param name="tei" select="."/>
      </xsl:call-template>
    </article>
  </xsl:template>

  <xsl:template match="tei:teiHeader"/>

  <xsl:template match="tei:text | tei:group">
    <xsl:apply-templates/>
  </xsl:template>

  <xsl:template match="tei:front | tei:body">
    <div class="tk-{local-name()}">
      <xsl:apply-templates/>
    </div>
  </xsl:template>

  <xsl:template match="tei:back">
    <div class="tk-back">
      <xsl:apply-templates/>
    </div>
  </xsl:template>

  <!-- A text within the text (a letter quoted in full, an enclosure). -->
  <xsl:template match="tei:floatingText">
    <div>
      <xsl:call-template name="tk:attributes">
        <xsl:with-param name="class" select="'tk-floatingText'"/>
      </xsl:call-template>
      <xsl:apply-templates/>
    </div>
  </xsl:template>

  <!-- ===================================================== title page -->

  <xsl:template match="tei:titlePage">
    <div>
      <xsl:call-template name="tk:attributes">
        <xsl:with-param name="class" select="'tk-titlePage'"/>
      </xsl:call-template>
      <xsl:apply-templates/>
    </div>
  </xsl:template>

  <!-- Each part of a title on its own line. -->
  <xsl:template match="tei:docTitle | tei:docImprint | tei:docEdition">
    <p>
      <xsl:call-template name="tk:attributes">
        <xsl:with-param name="class" select="'tk-' || local-name()"/>
      </xsl:call-template>
      <xsl:for-each select="node()[not(self::text()[not(normalize-space())])]">
        <xsl:if test="position() gt 1 and self::tei:titlePart"><br/></xsl:if>
        <xsl:apply-templates select="."/>
      </xsl:for-each>
    </p>
  </xsl:template>

  <xsl:template match="tei:titlePart">
    <span>
      <xsl:call-template name="tk:attributes">
        <xsl:with-param name="class" select="'tk-titlePart' || (if (@type) then ' tk-titlePart-' || tk:safe-id(@type) else '')"/>
      </xsl:call-template>
      <xsl:apply-templates/>
    </span>
  </xsl:template>

  <!-- ========================================================= divisions -->

  <xsl:template match="tei:div1 | tei:div2 | tei:div3 | tei:div4 | tei:div5 | tei:div6 | tei:div7">
    <section>
      <xsl:call-template name="tk:attributes">
        <xsl:with-param name="class" select="'tk-div tk-' || local-name()
            || (if (@type) then ' tk-div-' || tk:safe-id(@type) else '')"/>
      </xsl:call-template>
      <xsl:apply-templates/>
    </section>
  </xsl:template>

  <xsl:template match="tei:div">
    <section class="tk-div{if (@type) then ' tk-div-' || tk:safe-id(@type) else ''}{
        if (@rend) then ' tk-rend-' || tk:safe-id(@rend) else ''}">
      <xsl:if test="@xml:id"><xsl:attribute name="id" select="tk:safe-id(@xml:id)"/></xsl:if>
      <xsl:call-template name="tk:lang-attribute"/>
      <xsl:if test="@type = 'source' and not(tei:head)">
        <h2 class="tk-visually-hidden"><xsl:value-of select="tk:msg('heading.source')"/></h2>
      </xsl:if>
      <xsl:if test="@type = 'author' and not(tei:head)">
        <h2 class="tk-visually-hidden"><xsl:value-of select="tk:msg('heading.author')"/></h2>
      </xsl:if>
      <xsl:apply-templates/>
    </section>
  </xsl:template>

  <!-- The page-heading division: its heads are already in the article header. -->
  <xsl:template match="tei:div[. is tk:title-div(ancestor::tei:TEI[1])]/tei:head" priority="2"/>

  <xsl:template match="tei:head[@type = ('document', 'kicker', 'sub', 'label')]" priority="1">
    <p class="tk-kicker">
      <xsl:call-template name="tk:lang-attribute"/>
      <xsl:apply-templates/>
    </p>
  </xsl:template>

  <xsl:template match="(tei:div | tei:div1 | tei:div2 | tei:div3 | tei:div4 | tei:div5 | tei:div6
      | tei:div7)/tei:head">
    <xsl:element name="h{tk:heading-level(.)}">
      <xsl:call-template name="tk:lang-attribute"/>
      <xsl:apply-templates/>
    </xsl:element>
  </xsl:template>

  <xsl:template match="tei:head">
    <p class="tk-head">
      <xsl:call-template name="tk:lang-attribute"/>
      <xsl:apply-templates/>
    </p>
  </xsl:template>

  <!-- ================================================= parts of a letter -->

  <xsl:template match="tei:opener | tei:closer | tei:postscript | tei:argument | tei:epigraph">
    <div>
      <xsl:call-template name="tk:attributes">
        <xsl:with-param name="class" select="'tk-' || local-name()"/>
      </xsl:call-template>
      <xsl:apply-templates/>
    </div>
  </xsl:template>

  <xsl:template match="tei:salute | tei:signed | tei:dateline | tei:byline | tei:docAuthor
      | tei:docDate | tei:trailer | (tei:opener | tei:closer)/tei:seg">
    <xsl:element name="{if (tk:holds-blocks(.)) then 'div' else 'p'}">
      <xsl:call-template name="tk:attributes">
        <xsl:with-param name="class" select="'tk-' || local-name()
            || (if (@type) then ' tk-' || local-name() || '-' || tk:safe-id(@type) else '')"/>
      </xsl:call-template>
      <xsl:apply-templates/>
    </xsl:element>
  </xsl:template>

</xsl:stylesheet>

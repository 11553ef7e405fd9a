<?xml version="1.0" encoding="UTF-8"?>
<!--
  teikit HTML: core.xsl (TEI chapter "Elements Available in All TEI Documents")
  ============================================================================
  Paragraphs, highlighting, quotations, titles, dates, pointers and links,
  lists, line breaks and milestones, and notes: inline markers in the text,
  the numbered notes section with back-links at the end of the page.
  Included by html.xsl; relies on its modes and on common/functions.xsl.
-->
<xsl:stylesheet version="3.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:tei="http://www.tei-c.org/ns/1.0"
    xmlns:tk="https://teikit.org/ns/xslt"
    exclude-result-prefixes="#all">

  <!-- ========================================================== blocks -->

  <xsl:template match="tei:p">
    <p>
      <xsl:call-template name="tk:lang-attribute"/>
      <xsl:apply-templates/>
    </p>
  </xsl:template>

  <xsl:template match="tei:quote[not(ancestor::tei:p)] | tei:cit[not(ancestor::tei:p)]">
    <blockquote>
      <xsl:call-template name="tk:lang-attribute"/>
      <xsl:apply-templates/>
    </blockquote>
  </xsl:template>

  <xsl:template match="tei:list">
    <xsl:apply-templates select="tei:head"/>
    <xsl:element name="{if (@type = ('ordered', 'numbered')) then 'ol' else 'ul'}">
      <xsl:attribute name="class" select="'tk-list'"/>
      <xsl:call-template name="tk:lang-attribute"/>
      <xsl:apply-templates select="tei:item"/>
    </xsl:element>
  </xsl:template>

  <xsl:template match="tei:item">
    <li>
      <xsl:call-template name="tk:lang-attribute"/>
      <xsl:apply-templates/>
    </li>
  </xsl:template>

  <xsl:template match="tei:milestone[@unit = 'section']">
    <p class="tk-milestone" role="separator">
      <xsl:value-of select="(normalize-space(@rend)[. ne ''], '* * *')[1]"/>
    </p>
  </xsl:template>

  <xsl:template match="tei:milestone"/>

  <!-- ========================================================== inline -->

  <xsl:template match="tei:lb">
    <br/>
  </xsl:template>

  <!-- A page break of the source: a citable marker ("[p. 316]") with an anchor,
       set in the margin by teikit.css, and a bar where it falls within a line;
       the facsimile is linked when there is one. -->
  <xsl:template match="tei:pb">
    <xsl:variable name="facs" as="xs:string?" select="tk:safe-url(@facs, (@facs, .)[1])"/>
    <xsl:variable name="n" as="xs:string" select="normalize-space(@n)"/>
    <xsl:choose>
      <xsl:when test="$n ne ''">
        <!-- Where in the line the page breaks: a bar, for the eye only. -->
        <xsl:if test="ancestor::tei:p or ancestor::tei:note or ancestor::tei:head">
          <span class="tk-pb-bar" aria-hidden="true">|</span>
        </xsl:if>
        <a class="tk-pb" id="{tk:safe-id('page-' || $n)}" href="#{tk:safe-id('page-' || $n)}"
            title="Page {$n} of the source begins here">
          <xsl:value-of select="'[p. ' || $n || ']'"/>
        </a>
      </xsl:when>
      <xsl:otherwise>
        <span class="tk-pb" title="A page of the source begins here">[page break]</span>
      </xsl:otherwise>
    </xsl:choose>
    <xsl:if test="exists($facs)">
      <a class="tk-facs" href="{$facs}">facsimile</a>
    </xsl:if>
  </xsl:template>

  <xsl:template match="tei:hi">
    <xsl:variable name="rend" as="xs:string" select="lower-case(normalize-space(@rend))"/>
    <xsl:element name="{if (matches($rend, 'italic')) then 'i'
        else if (matches($rend, 'bold')) then 'b'
        else if (matches($rend, 'sup')) then 'sup'
        else if (matches($rend, 'sub')) then 'sub'
        else 'span'}">
      <xsl:attribute name="class" select="'tk-hi'"/>
      <xsl:call-template name="tk:lang-attribute"/>
      <xsl:apply-templates/>
    </xsl:element>
  </xsl:template>

  <xsl:template match="tei:emph">
    <em>
      <xsl:call-template name="tk:lang-attribute"/>
      <xsl:apply-templates/>
    </em>
  </xsl:template>

  <xsl:template match="tei:foreign | tei:term">
    <i class="tk-{local-name()}">
      <xsl:call-template name="tk:lang-attribute"/>
      <xsl:apply-templates/>
    </i>
  </xsl:template>

  <xsl:template match="tei:q | tei:quote | tei:said | tei:soCalled">
    <q class="tk-{local-name()}">
      <xsl:call-template name="tk:lang-attribute"/>
      <xsl:apply-templates/>
    </q>
  </xsl:template>

  <xsl:template match="tei:title">
    <cite class="tk-title tk-title-{(@level, 'm')[1]}">
      <xsl:call-template name="tk:lang-attribute"/>
      <xsl:apply-templates/>
    </cite>
  </xsl:template>

  <xsl:template match="tei:date">
    <xsl:variable name="iso" as="xs:string?"
        select="(@when, @from, @notBefore)[1][matches(., '^\d{4}(-\d{2}(-\d{2})?)?$')]"/>
    <xsl:choose>
      <xsl:when test="exists($iso) and not(@to or @notAfter)">
        <time class="tk-date" datetime="{$iso}">
          <xsl:call-template name="tk:lang-attribute"/>
          <xsl:apply-templates/>
        </time>
      </xsl:when>
      <xsl:otherwise>
        <span class="tk-date">
          <xsl:if test="@from or @to or @notBefore or @notAfter">
            <xsl:attribute name="title" select="string-join(((@from, @notBefore)[1], (@to, @notAfter)[1]), ' – ')"/>
          </xsl:if>
          <xsl:call-template name="tk:lang-attribute"/>
          <xsl:apply-templates/>
        </span>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template match="tei:idno | tei:num | tei:measure | tei:seg | tei:abbr[not(parent::tei:choice)]
      | tei:expan[not(parent::tei:choice)] | tei:biblScope | tei:edition | tei:publisher
      | tei:pubPlace | tei:author[not(ancestor::tei:teiHeader)] | tei:editor[not(ancestor::tei:teiHeader)]">
    <span class="tk-{local-name()}{if (@type) then ' tk-' || local-name() || '-' || tk:safe-id(@type) else ''}">
      <xsl:call-template name="tk:lang-attribute"/>
      <xsl:apply-templates/>
    </span>
  </xsl:template>

  <!-- Element and attribute names and values, as the Guidelines write them. -->
  <xsl:template match="tei:gi | tei:att | tei:val | tei:code | tei:ident">
    <code class="tk-{local-name()}"><xsl:value-of select="tk:documentation-form(.)"/></code>
  </xsl:template>

  <!-- ================================================== links and pointers -->

  <!-- The href for a TEI pointer, or () (with a warning) when it is unsafe. -->
  <xsl:function name="tk:href" as="xs:string?">
    <xsl:param name="attribute" as="attribute()?"/>
    <xsl:variable name="url" as="xs:string?" select="$attribute ! tk:safe-url(., .)"/>
    <xsl:sequence select="if ($rewrite-xml-links and exists($url)) then tk:xml-to-html($url) else $url"/>
  </xsl:function>

  <xsl:template match="tei:ref">
    <xsl:variable name="href" as="xs:string?" select="tk:href(@target)"/>
    <xsl:choose>
      <xsl:when test="exists($href) and not(ancestor::tei:ref or ancestor::*[(@ref or @key) and tk:links(.)])">
        <a class="tk-ref" href="{$href}">
          <xsl:call-template name="tk:lang-attribute"/>
          <xsl:apply-templates/>
        </a>
      </xsl:when>
      <xsl:otherwise>
        <span class="tk-ref">
          <xsl:call-template name="tk:lang-attribute"/>
          <xsl:apply-templates/>
        </span>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template match="tei:ptr">
    <xsl:variable name="href" as="xs:string?" select="tk:href(@target)"/>
    <xsl:if test="exists($href)">
      <a class="tk-ptr" href="{$href}"><xsl:value-of select="$href"/></a>
    </xsl:if>
  </xsl:template>

  <xsl:template match="tei:graphic">
    <xsl:variable name="src" as="xs:string?" select="tk:safe-url(@url, (@url, .)[1])"/>
    <xsl:if test="exists($src)">
      <img class="tk-graphic" src="{$src}" alt="{tk:plain(tei:desc)}"/>
    </xsl:if>
  </xsl:template>

  <!-- ============================================================= notes -->

  <!-- In the text: a numbered marker linking to the note, with an id to link back to.
       The editors' notes (type editorial) are lettered, and belong to the reading
       view only: they are not part of the printed text. -->
  <xsl:template match="tei:text//tei:note">
    <xsl:variable name="id" as="xs:string" select="tk:note-id(.)"/>
    <xsl:variable name="label" as="xs:string" select="tk:note-marker(.)"/>
    <sup class="tk-noteref{if (@type = 'editorial') then ' tk-noteref-editorial tk-reading' else ''}">
      <a id="noteref-{$id}" href="#{$id}" role="doc-noteref"
          aria-label="{if (@type = 'editorial') then 'Editorial note' else 'Note'} {$label}">
        <xsl:value-of select="$label"/>
      </a>
    </sup>
  </xsl:template>

  <!-- In the header (metadata panel): notes stay inline, in parentheses. -->
  <xsl:template match="tei:teiHeader//tei:note">
    <span class="tk-note-inline">
      <xsl:text> (</xsl:text>
      <xsl:apply-templates/>
      <xsl:text>)</xsl:text>
    </span>
  </xsl:template>

  <!-- The notes, after the text: those of the source, then the editors' notes. -->
  <xsl:template name="tk:notes">
    <xsl:param name="tei" as="element(tei:TEI)"/>
    <xsl:variable name="notes" as="element(tei:note)*" select="$tei/tei:text//tei:note"/>
    <xsl:variable name="source-notes" as="element(tei:note)*" select="$notes[not(@type = 'editorial')]"/>
    <xsl:variable name="editorial" as="element(tei:note)*" select="$notes[@type = 'editorial']"/>
    <xsl:if test="exists($source-notes)">
      <section class="tk-notes" aria-labelledby="tk-notes-heading" role="doc-endnotes">
        <h2 id="tk-notes-heading">Notes</h2>
        <ol class="tk-notes-list">
          <xsl:apply-templates select="$source-notes" mode="tk:notes"/>
        </ol>
      </section>
    </xsl:if>
    <xsl:if test="exists($editorial)">
      <section class="tk-notes tk-notes-editorial tk-reading" aria-labelledby="tk-editorial-notes-heading">
        <h2 id="tk-editorial-notes-heading">Editorial notes</h2>
        <p class="tk-notes-intro">Notes of the present editors, lettered; they are not part of the printed text.</p>
        <ol class="tk-notes-list">
          <xsl:apply-templates select="$editorial" mode="tk:notes"/>
        </ol>
      </section>
    </xsl:if>
  </xsl:template>

  <xsl:template match="tei:note" mode="tk:notes">
    <xsl:variable name="id" as="xs:string" select="tk:note-id(.)"/>
    <xsl:variable name="label" as="xs:string" select="tk:note-marker(.)"/>
    <li id="{$id}" class="tk-note{if (@type) then ' tk-note-' || tk:safe-id(@type) else ''}" role="doc-endnote">
      <xsl:call-template name="tk:lang-attribute"/>
      <span class="tk-note-label"><xsl:value-of select="$label"/></span>
      <xsl:text> </xsl:text>
      <span class="tk-note-body"><xsl:apply-templates/></span>
      <xsl:text> </xsl:text>
      <a class="tk-backlink" href="#noteref-{$id}" role="doc-backlink"
          aria-label="Back to the text of note {$label}">↩</a>
    </li>
  </xsl:template>

</xsl:stylesheet>

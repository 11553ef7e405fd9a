<?xml version="1.0" encoding="UTF-8"?>
<!--
  teikit HTML: header.xsl (TEI chapter "The TEI Header")
  =====================================================
  The metadata panel (mode tk:metadata): a <dl> with sender, addressee,
  date and place (from correspondence.xsl), author, archival reference
  (the document's own msDesc/msIdentifier: repository, collection, idno,
  settlement, country; a list of archival sources, as in a file describing the
  whole edition, gives its head only), printed source (sourceDesc/bibl),
  translator (respStmt whose resp mentions translation), summary, annotations
  on the document (physDesc/additions) and languages. Rows without content are
  left out.
-->
<xsl:stylesheet version="3.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:tei="http://www.tei-c.org/ns/1.0"
    xmlns:tk="https://teikit.org/ns/xslt"
    exclude-result-prefixes="#all">

  <xsl:template match="tei:teiHeader" mode="tk:metadata">
    <xsl:variable name="file" as="element(tei:fileDesc)?" select="tei:fileDesc"/>
    <xsl:variable name="ms" as="element(tei:msIdentifier)?"
        select="tk:shelfmark($file)"/>
    <xsl:variable name="printed" as="element(tei:bibl)?" select="tk:printed-source($file)"/>
    <xsl:variable name="translators" as="element()*" select="tk:translators(.)"/>
    <xsl:variable name="corresp" as="element(tei:correspDesc)?" select="(tei:profileDesc/tei:correspDesc)[1]"/>
    <xsl:variable name="rows" as="element()*">
        <xsl:apply-templates select="$corresp" mode="tk:metadata"/>
        <xsl:if test="empty($corresp)">
          <xsl:call-template name="tk:meta-row">
            <xsl:with-param name="key" select="'author'"/>
            <xsl:with-param name="label" select="tk:msg('meta.author')"/>
            <xsl:with-param name="content" as="node()*">
              <xsl:call-template name="tk:name-list">
                <xsl:with-param name="names" select="$file/tei:titleStmt/tei:author
                    ! ((tei:persName | tei:name | tei:orgName)[1], .)[1]"/>
              </xsl:call-template>
            </xsl:with-param>
          </xsl:call-template>
        </xsl:if>
        <xsl:call-template name="tk:meta-row">
          <xsl:with-param name="key" select="'archive'"/>
          <xsl:with-param name="label" select="tk:msg('meta.archival')"/>
          <xsl:with-param name="content" as="node()*">
            <xsl:apply-templates select="$ms" mode="tk:metadata"/>
          </xsl:with-param>
        </xsl:call-template>
        <xsl:call-template name="tk:meta-row">
          <xsl:with-param name="key" select="'source'"/>
          <xsl:with-param name="label" select="tk:msg('meta.printed')"/>
          <xsl:with-param name="content" as="node()*">
            <xsl:apply-templates select="$printed/node()"/>
          </xsl:with-param>
        </xsl:call-template>
        <xsl:call-template name="tk:meta-row">
          <xsl:with-param name="key" select="'translator'"/>
          <xsl:with-param name="label" select="tk:msg('meta.translator')"/>
          <xsl:with-param name="content" as="node()*">
            <xsl:call-template name="tk:name-list">
              <xsl:with-param name="names" select="$translators"/>
            </xsl:call-template>
          </xsl:with-param>
        </xsl:call-template>
        <xsl:call-template name="tk:meta-row">
          <xsl:with-param name="key" select="'summary'"/>
          <xsl:with-param name="label" select="tk:msg('meta.summary')"/>
          <xsl:with-param name="content" as="node()*">
            <xsl:apply-templates select="$file/tei:sourceDesc/tei:msDesc[1]/tei:msContents/tei:summary/node()"/>
          </xsl:with-param>
        </xsl:call-template>
        <xsl:call-template name="tk:meta-row">
          <xsl:with-param name="key" select="'annotation'"/>
          <xsl:with-param name="label" select="tk:msg('meta.annotations')"/>
          <xsl:with-param name="content" as="node()*">
            <xsl:apply-templates select="$file/tei:sourceDesc/tei:msDesc[1]/tei:physDesc/tei:additions/node()"/>
          </xsl:with-param>
        </xsl:call-template>
        <xsl:call-template name="tk:meta-row">
          <xsl:with-param name="key" select="'archives'"/>
          <xsl:with-param name="label" select="tk:msg('meta.sources')"/>
          <xsl:with-param name="content" as="node()*">
            <xsl:apply-templates select="$file/tei:sourceDesc/tei:listBibl[tei:msDesc]/tei:head/node()"/>
          </xsl:with-param>
        </xsl:call-template>
        <xsl:call-template name="tk:meta-row">
          <xsl:with-param name="key" select="'language'"/>
          <xsl:with-param name="label" select="tk:msg('meta.language')"/>
          <xsl:with-param name="content" as="node()*">
            <xsl:apply-templates select="(tei:profileDesc/tei:langUsage/tei:language[@usage = '100'],
                tei:profileDesc/tei:langUsage/tei:language)[normalize-space()][1]/node()"/>
          </xsl:with-param>
        </xsl:call-template>
    </xsl:variable>
    <xsl:if test="exists($rows)">
      <aside class="tk-metadata" aria-labelledby="tk-metadata-heading">
        <h2 id="tk-metadata-heading"><xsl:value-of select="tk:msg('metadata.heading')"/></h2>
        <dl>
          <xsl:sequence select="$rows"/>
        </dl>
      </aside>
    </xsl:if>
  </xsl:template>

  <!-- ================================================ editorial principles -->

  <!-- The page of the editorial principles: editorialDecl, each part headed by its
       @n (else the element's name), then the declared attribute values. -->
  <xsl:template match="tei:encodingDesc" mode="tk:principles">
    <article class="tk-document tk-principles">
      <xsl:call-template name="tk:lang-attribute">
        <xsl:with-param name="node" select="ancestor::tei:TEI[1]"/>
      </xsl:call-template>
      <header class="tk-document-header">
        <p class="tk-kicker"><xsl:value-of select="tk:title(ancestor::tei:TEI[1])"/></p>
        <h1><xsl:value-of select="tk:msg('principles.title')"/></h1>
      </header>
      <xsl:apply-templates select="tei:editorialDecl" mode="tk:principles"/>
      <xsl:apply-templates select="tei:schemaSpec[.//tei:valItem]" mode="tk:principles"/>
    </article>
  </xsl:template>

  <xsl:template match="tei:editorialDecl" mode="tk:principles">
    <div class="tk-text">
      <xsl:apply-templates select="*" mode="tk:principles"/>
    </div>
  </xsl:template>

  <xsl:template match="tei:editorialDecl/tei:p" mode="tk:principles">
    <xsl:apply-templates select="."/>
  </xsl:template>

  <xsl:template match="tei:editorialDecl/*[not(self::tei:p)]" mode="tk:principles">
    <section class="tk-principle tk-principle-{local-name()}">
      <xsl:if test="@xml:id"><xsl:attribute name="id" select="tk:safe-id(@xml:id)"/></xsl:if>
      <h2><xsl:value-of select="tk:principle-heading(.)"/></h2>
      <xsl:apply-templates select="tei:p"/>
    </section>
  </xsl:template>

  <xsl:template match="tei:schemaSpec" mode="tk:principles">
    <section class="tk-principle tk-values" id="{tk:safe-id((@xml:id, 'values')[1])}">
      <h2><xsl:value-of select="tk:msg('principles.values')"/></h2>
      <xsl:for-each select="tei:desc">
        <p><xsl:apply-templates/></p>
      </xsl:for-each>
      <dl class="tk-values-list">
        <xsl:for-each select=".//tei:attDef[tei:valList/tei:valItem]">
          <div class="tk-values-attribute">
            <dt><code><xsl:value-of select="tk:attribute-of(.)"/></code></dt>
            <dd>
              <dl>
                <xsl:for-each select="tei:valList/tei:valItem">
                  <div class="tk-value">
                    <dt><code><xsl:value-of select="@ident"/></code></dt>
                    <dd><xsl:apply-templates select="tei:desc[1]/node()"/></dd>
                  </div>
                </xsl:for-each>
              </dl>
            </dd>
          </div>
        </xsl:for-each>
      </dl>
    </section>
  </xsl:template>

  <!-- "Repository, Collection, idno (Settlement, Country)"; empty parts are
       left out, so no separator stands alone. -->
  <xsl:template match="tei:msIdentifier" mode="tk:metadata">
    <xsl:for-each select="tk:shelfmark-parts(.)">
      <xsl:if test="position() gt 1">, </xsl:if>
      <span class="tk-{local-name()}"><xsl:call-template name="tk:shelfmark-part"/></span>
    </xsl:for-each>
    <xsl:variable name="where" as="element()*" select="tk:shelfmark-places(.)"/>
    <xsl:if test="exists($where)">
      <xsl:text> (</xsl:text>
      <xsl:for-each select="$where">
        <xsl:if test="position() gt 1">, </xsl:if>
        <xsl:call-template name="tk:shelfmark-part"/>
      </xsl:for-each>
      <xsl:text>)</xsl:text>
    </xsl:if>
  </xsl:template>

  <!-- A part of a shelfmark: separators the source leaves at its ends (", MS 21592")
       are dropped, since the parts are joined with commas anyway. -->
  <xsl:template name="tk:shelfmark-part">
    <xsl:choose>
      <xsl:when test="* or tk:is-url(.)"><xsl:apply-templates/></xsl:when>
      <xsl:otherwise><xsl:value-of select="tk:trim-separators(.)"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- One row of the panel, written only when it has content. -->
  <xsl:template name="tk:meta-row">
    <xsl:param name="key" as="xs:string"/>
    <xsl:param name="label" as="xs:string"/>
    <xsl:param name="content" as="node()*"/>
    <xsl:if test="normalize-space(string-join($content ! string(.), ''))">
      <div class="tk-meta-row tk-meta-{$key}">
        <dt><xsl:value-of select="$label"/></dt>
        <dd><xsl:sequence select="$content"/></dd>
      </div>
    </xsl:if>
  </xsl:template>

  <!-- Names joined with commas and "and", each rendered (linked) in the default mode. -->
  <xsl:template name="tk:name-list">
    <xsl:param name="names" as="element()*"/>
    <xsl:for-each select="$names">
      <xsl:if test="position() gt 1">
        <xsl:value-of select="if (position() = last()) then ' and ' else ', '"/>
      </xsl:if>
      <xsl:apply-templates select="."/>
    </xsl:for-each>
  </xsl:template>

</xsl:stylesheet>

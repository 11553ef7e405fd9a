<?xml version="1.0" encoding="UTF-8"?>
<!--
  teikit print: header.xsl (TEI chapter "The TEI Header")
  ======================================================
  The metadata block (mode tk:metadata): a grey box (#tk-meta) with sender,
  addressee, date and place (correspondence.xsl), author, archival reference,
  printed source and translator. Rows without content are left out; no box
  at all when nothing is known.

  The editorial principles (mode tk:principles): a part of the whole-edition
  PDF from the contents file's encodingDesc: editorialDecl, each of its parts
  headed by its @n (else the element's name), and the attribute values the
  edition declares (schemaSpec: valList/valItem with their descriptions).
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
    <xsl:variable name="rows" as="xs:string*">
      <xsl:apply-templates select="$corresp" mode="tk:metadata"/>
      <xsl:if test="empty($corresp)">
        <xsl:call-template name="tk:meta-row">
          <xsl:with-param name="label" select="tk:msg('meta.author')"/>
          <xsl:with-param name="content">
            <xsl:call-template name="tk:name-list">
              <xsl:with-param name="names" select="$file/tei:titleStmt/tei:author
                    ! ((tei:persName | tei:name | tei:orgName)[1], .)[1]"/>
            </xsl:call-template>
          </xsl:with-param>
        </xsl:call-template>
      </xsl:if>
      <xsl:call-template name="tk:meta-row">
        <xsl:with-param name="label" select="tk:msg('meta.archival')"/>
        <xsl:with-param name="content">
          <xsl:apply-templates select="$ms" mode="tk:metadata"/>
        </xsl:with-param>
      </xsl:call-template>
      <xsl:call-template name="tk:meta-row">
        <xsl:with-param name="label" select="tk:msg('meta.printed')"/>
        <xsl:with-param name="content">
          <xsl:apply-templates select="$printed/node()"/>
        </xsl:with-param>
      </xsl:call-template>
      <xsl:call-template name="tk:meta-row">
        <xsl:with-param name="label" select="tk:msg('meta.translator')"/>
        <xsl:with-param name="content">
          <xsl:call-template name="tk:name-list">
            <xsl:with-param name="names" select="$translators"/>
          </xsl:call-template>
        </xsl:with-param>
      </xsl:call-template>
    </xsl:variable>
    <xsl:if test="exists($rows)">
      <xsl:text>#tk-meta(&#10;</xsl:text>
      <xsl:value-of select="$rows" separator=""/>
      <xsl:text>)&#10;</xsl:text>
    </xsl:if>
  </xsl:template>

  <!-- ================================================ editorial principles -->

  <xsl:template match="tei:encodingDesc" mode="tk:principles">
    <xsl:text>&#10;= Editorial principles &lt;tk-editorial-principles&gt;&#10;#metadata("Editorial principles") &lt;tk-running&gt;&#10;</xsl:text>
    <xsl:apply-templates select="tei:editorialDecl, tei:schemaSpec" mode="tk:principles"/>
  </xsl:template>

  <xsl:template match="tei:editorialDecl" mode="tk:principles">
    <xsl:apply-templates select="*" mode="tk:principles"/>
  </xsl:template>

  <xsl:template match="tei:editorialDecl/tei:p" mode="tk:principles">
    <xsl:apply-templates select="."/>
  </xsl:template>

  <xsl:template match="tei:editorialDecl/*[not(self::tei:p)]" mode="tk:principles">
    <xsl:text>&#10;#heading(level: 2)[</xsl:text>
    <xsl:value-of select="tk:typst-escape(tk:principle-heading(.))"/>
    <xsl:text>]&#10;</xsl:text>
    <xsl:apply-templates select="tei:p"/>
  </xsl:template>

  <xsl:template match="tei:schemaSpec" mode="tk:principles">
    <xsl:text>&#10;#heading(level: 2)[The values of the encoding]&#10;</xsl:text>
    <xsl:apply-templates select="tei:desc"/>
    <xsl:for-each select=".//tei:attDef[tei:valList/tei:valItem]">
      <xsl:text>&#10;#tk-head[</xsl:text>
      <xsl:value-of select="tk:typst-escape(tk:attribute-of(.))"/>
      <xsl:text>]&#10;</xsl:text>
      <xsl:for-each select="tei:valList/tei:valItem">
        <xsl:text>#tk-value(</xsl:text>
        <xsl:value-of select="tk:typst-string(@ident)"/>
        <xsl:text>)[</xsl:text>
        <xsl:apply-templates select="tei:desc[1]/node()"/>
        <xsl:text>]&#10;</xsl:text>
      </xsl:for-each>
    </xsl:for-each>
  </xsl:template>

  <xsl:template match="tei:schemaSpec/tei:desc">
    <xsl:text>&#10;&#10;</xsl:text>
    <xsl:apply-templates/>
    <xsl:text>&#10;</xsl:text>
  </xsl:template>

  <!-- "Repository, Collection, idno (Settlement, Country)", empty parts left out. -->
  <xsl:template match="tei:msIdentifier" mode="tk:metadata">
    <xsl:for-each select="tk:shelfmark-parts(.)">
      <xsl:if test="position() gt 1">, </xsl:if>
      <xsl:call-template name="tk:shelfmark-part"/>
    </xsl:for-each>
    <xsl:variable name="where" as="element()*" select="tk:shelfmark-places(.)"/>
    <xsl:if test="exists($where)">
      <xsl:text> \(</xsl:text>
      <xsl:for-each select="$where">
        <xsl:if test="position() gt 1">, </xsl:if>
        <xsl:call-template name="tk:shelfmark-part"/>
      </xsl:for-each>
      <xsl:text>\)</xsl:text>
    </xsl:if>
  </xsl:template>

  <!-- A part of a shelfmark: separators the source leaves at its ends (", MS 21592")
       are dropped, since the parts are joined with commas anyway. -->
  <xsl:template name="tk:shelfmark-part">
    <xsl:choose>
      <xsl:when test="* or tk:is-url(.)"><xsl:apply-templates/></xsl:when>
      <xsl:otherwise><xsl:value-of select="tk:typst-escape(tk:trim-separators(.))"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- One "label, [content]," pair of cells, only when there is content. -->
  <xsl:template name="tk:meta-row" as="xs:string?">
    <xsl:param name="label" as="xs:string"/>
    <xsl:param name="content" as="xs:string?"/>
    <xsl:if test="normalize-space($content)">
      <xsl:sequence select="'  tk-label[' || tk:typst-escape($label) || '], ['
          || normalize-space($content) || '],&#10;'"/>
    </xsl:if>
  </xsl:template>

  <!-- Names joined with commas and "and". -->
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

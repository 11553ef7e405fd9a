<?xml version="1.0" encoding="UTF-8"?>
<!--
  teikit print: header.xsl (TEI chapter "The TEI Header")
  ======================================================
  The metadata block (mode tk:metadata): a grey box (#tk-meta) with sender,
  addressee, date and place (correspondence.xsl), author, archival reference,
  printed source and translator. Rows without content are left out; no box
  at all when nothing is known.
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
        select="($file/tei:sourceDesc//tei:msIdentifier)[1]"/>
    <xsl:variable name="printed" as="element(tei:bibl)?"
        select="($file/tei:sourceDesc/tei:bibl[@type = 'printed'], $file/tei:sourceDesc/tei:bibl)[1]"/>
    <xsl:variable name="translators" as="element()*"
        select="$file/tei:titleStmt/tei:respStmt[matches(tei:resp, 'translated|translator', 'i')]
                /(tei:persName | tei:name | tei:orgName)"/>
    <xsl:variable name="corresp" as="element(tei:correspDesc)?" select="tei:profileDesc/tei:correspDesc"/>
    <xsl:variable name="rows" as="xs:string*">
      <xsl:apply-templates select="$corresp" mode="tk:metadata"/>
      <xsl:if test="empty($corresp)">
        <xsl:call-template name="tk:meta-row">
          <xsl:with-param name="label" select="'Author'"/>
          <xsl:with-param name="content">
            <xsl:call-template name="tk:name-list">
              <xsl:with-param name="names" select="$file/tei:titleStmt/tei:author"/>
            </xsl:call-template>
          </xsl:with-param>
        </xsl:call-template>
      </xsl:if>
      <xsl:call-template name="tk:meta-row">
        <xsl:with-param name="label" select="'Archival reference'"/>
        <xsl:with-param name="content">
          <xsl:apply-templates select="$ms" mode="tk:metadata"/>
        </xsl:with-param>
      </xsl:call-template>
      <xsl:call-template name="tk:meta-row">
        <xsl:with-param name="label" select="'Printed source'"/>
        <xsl:with-param name="content">
          <xsl:apply-templates select="$printed/node()"/>
        </xsl:with-param>
      </xsl:call-template>
      <xsl:call-template name="tk:meta-row">
        <xsl:with-param name="label" select="'Translator'"/>
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

  <xsl:template match="tei:msIdentifier" mode="tk:metadata">
    <xsl:for-each select="(tei:institution, tei:repository, tei:collection, tei:idno)">
      <xsl:if test="position() gt 1">, </xsl:if>
      <xsl:apply-templates/>
    </xsl:for-each>
    <xsl:variable name="where" as="element()*" select="(tei:settlement, tei:region, tei:country)"/>
    <xsl:if test="exists($where)">
      <xsl:text> \(</xsl:text>
      <xsl:for-each select="$where">
        <xsl:if test="position() gt 1">, </xsl:if>
        <xsl:apply-templates/>
      </xsl:for-each>
      <xsl:text>\)</xsl:text>
    </xsl:if>
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

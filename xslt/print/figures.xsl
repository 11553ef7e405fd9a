<?xml version="1.0" encoding="UTF-8"?>
<!--
  teikit print: figures.xsl (TEI chapter "Tables, Formulæ, Graphics, and Notated Music")
  ===================================================================================
  Tables as #table (label cells bold, @cols/@rows as spans, the head above);
  figures as a framed block with their caption. Images are not embedded:
  the Typst sandbox reads no file but its own source, and a PDF must not
  fetch anything; a graphic prints as "[Image: description]", linked when
  its URL is on the web.
-->
<xsl:stylesheet version="3.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:tei="http://www.tei-c.org/ns/1.0"
    xmlns:tk="https://teikit.org/ns/xslt"
    exclude-result-prefixes="#all">

  <!-- The number of columns of a table: its widest row, spans counted. -->
  <xsl:function name="tk:table-columns" as="xs:integer">
    <xsl:param name="table" as="element(tei:table)"/>
    <xsl:sequence select="max((1, $table/tei:row ! sum(tei:cell ! tk:span(@cols))))"/>
  </xsl:function>

  <!-- A span (@cols, @rows) as a positive integer: 1 unless it says more. -->
  <xsl:function name="tk:span" as="xs:integer">
    <xsl:param name="value" as="attribute()?"/>
    <xsl:sequence select="if ($value castable as xs:positiveInteger)
        then min((xs:integer($value), 1000)) else 1"/>
  </xsl:function>

  <xsl:template match="tei:table">
    <xsl:for-each select="tei:head">
      <xsl:text>&#10;#tk-head[</xsl:text>
      <xsl:apply-templates/>
      <xsl:text>]</xsl:text>
    </xsl:for-each>
    <xsl:text>&#10;#table(columns: </xsl:text>
    <xsl:value-of select="tk:table-columns(.)"/>
    <xsl:text>, stroke: 0.4pt + luma(160), inset: 5pt, align: left,&#10;</xsl:text>
    <xsl:for-each select="tei:row/tei:cell">
      <xsl:variable name="cols" as="xs:integer" select="tk:span(@cols)"/>
      <xsl:variable name="rows" as="xs:integer" select="tk:span(@rows)"/>
      <xsl:text>  </xsl:text>
      <xsl:if test="$cols gt 1 or $rows gt 1">
        <xsl:text>table.cell(</xsl:text>
        <xsl:value-of select="string-join((('colspan: ' || $cols)[$cols gt 1], ('rowspan: ' || $rows)[$rows gt 1]), ', ')"/>
        <xsl:text>)</xsl:text>
      </xsl:if>
      <xsl:text>[</xsl:text>
      <xsl:if test="(@role, ../@role)[1] = 'label'">#strong[</xsl:if>
      <xsl:apply-templates/>
      <xsl:if test="(@role, ../@role)[1] = 'label'">]</xsl:if>
      <xsl:text>],&#10;</xsl:text>
    </xsl:for-each>
    <xsl:text>)&#10;</xsl:text>
    <xsl:apply-templates select="* except (tei:head | tei:row)"/>
  </xsl:template>

  <xsl:template match="tei:figure">
    <xsl:text>&#10;#tk-figure[</xsl:text>
    <xsl:apply-templates select="* except (tei:head | tei:p | tei:ab | tei:figDesc)"/>
    <xsl:for-each select="tei:head | tei:p | tei:ab">
      <xsl:text>#linebreak()</xsl:text>
      <xsl:apply-templates/>
    </xsl:for-each>
    <xsl:text>]&#10;</xsl:text>
  </xsl:template>

  <xsl:template match="tei:graphic | tei:media">
    <xsl:variable name="url" as="xs:string?" select="tk:usable-url(@url)"/>
    <xsl:variable name="desc" as="xs:string?" select="(tei:desc, parent::tei:figure/tei:figDesc)[1] ! tk:plain(.)"/>
    <xsl:variable name="label" as="xs:string"
        select="'\[Image' || string($desc[. ne ''] ! ('\: ' || tk:typst-escape(.))) || '\]'"/>
    <xsl:choose>
      <xsl:when test="($url ! tk:url-scheme(.)) = ('http', 'https')">
        <xsl:text>#link(</xsl:text>
        <xsl:value-of select="tk:typst-string($url)"/>
        <xsl:text>)[</xsl:text>
        <xsl:value-of select="$label"/>
        <xsl:text>]</xsl:text>
      </xsl:when>
      <xsl:when test="exists($url)">
        <xsl:value-of select="$label"/>
      </xsl:when>
    </xsl:choose>
  </xsl:template>

</xsl:stylesheet>

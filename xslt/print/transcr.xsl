<?xml version="1.0" encoding="UTF-8"?>
<!--
  teikit print: transcr.xsl (TEI chapters "Representation of Primary Sources"
  and "Simple Editorial Changes")
  ============================================================================
  The PDF prints the reading text: supplied text in [brackets], the reading
  member of a choice (corr, reg, expan), gaps as […]; deletions are left out.
-->
<xsl:stylesheet version="3.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:tei="http://www.tei-c.org/ns/1.0"
    xmlns:tk="https://teikit.org/ns/xslt"
    exclude-result-prefixes="#all">

  <!-- The member shown in the reading text. -->
  <xsl:function name="tk:reading-member" as="element()?">
    <xsl:param name="choice" as="element(tei:choice)"/>
    <xsl:sequence select="($choice/(tei:corr | tei:reg | tei:expan), $choice/*)[1]"/>
  </xsl:function>

  <xsl:template match="tei:supplied">
    <xsl:text>\[</xsl:text>
    <xsl:apply-templates/>
    <xsl:text>\]</xsl:text>
  </xsl:template>

  <xsl:template match="tei:choice">
    <xsl:apply-templates select="tk:reading-member(.)/node()"/>
  </xsl:template>

  <xsl:template match="tei:gap">
    <xsl:text>\[…\]</xsl:text>
  </xsl:template>

  <xsl:template match="tei:del"/>

</xsl:stylesheet>

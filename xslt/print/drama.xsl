<?xml version="1.0" encoding="UTF-8"?>
<!--
  teikit print: drama.xsl (TEI chapter "Performance Texts")
  =========================================================
  A speech (sp) is a block whose speaker stands on a line of its own
  (#tk-speaker, a block: never run on after the previous speech); stage
  directions are blocks between speeches and italic inside them; the cast
  list is a list. The tk- helpers are defined in print.xsl's preamble.
-->
<xsl:stylesheet version="3.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:tei="http://www.tei-c.org/ns/1.0"
    xmlns:tk="https://teikit.org/ns/xslt"
    exclude-result-prefixes="#all">

  <xsl:template match="tei:sp | tei:spGrp">
    <xsl:text>&#10;#tk-sp[</xsl:text>
    <xsl:call-template name="tk:lang-open"/>
    <xsl:apply-templates/>
    <xsl:call-template name="tk:lang-close"/>
    <xsl:text>]&#10;</xsl:text>
  </xsl:template>

  <xsl:template match="tei:speaker">
    <xsl:text>&#10;#tk-speaker[</xsl:text>
    <xsl:apply-templates/>
    <xsl:text>]&#10;</xsl:text>
  </xsl:template>

  <xsl:template match="tei:stage | tei:move | tei:view | tei:camera | tei:sound | tei:caption | tei:tech">
    <xsl:choose>
      <xsl:when test="tk:is-block(.) or parent::tei:lg">
        <xsl:text>&#10;#tk-stage[</xsl:text>
        <xsl:apply-templates/>
        <xsl:text>]&#10;</xsl:text>
      </xsl:when>
      <xsl:otherwise>
        <xsl:text>#emph[</xsl:text>
        <xsl:apply-templates/>
        <xsl:text>]</xsl:text>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template match="tei:castList | tei:castGroup">
    <xsl:apply-templates select="tei:head"/>
    <xsl:text>&#10;#list(&#10;</xsl:text>
    <xsl:for-each select="tei:castItem | tei:castGroup">
      <xsl:text>  [</xsl:text>
      <xsl:apply-templates select="."/>
      <xsl:text>],&#10;</xsl:text>
    </xsl:for-each>
    <xsl:text>)&#10;</xsl:text>
    <xsl:apply-templates select="* except (tei:head | tei:castItem | tei:castGroup)"/>
  </xsl:template>

  <xsl:template match="tei:castList/tei:head | tei:castGroup/tei:head">
    <xsl:text>&#10;#tk-head[</xsl:text>
    <xsl:apply-templates/>
    <xsl:text>]&#10;</xsl:text>
  </xsl:template>

</xsl:stylesheet>

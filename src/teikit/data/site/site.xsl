<?xml version="1.0" encoding="UTF-8"?>
<!--
  teikit site profile: site.xsl
  =============================
  Imports teikit's HTML stylesheet and gives every name an element number id,
  so that a register page can link each occurrence to the very mention in the
  letter. teikit.site writes a copy of this file with @@HTML_XSL@@ replaced by
  the URI of xslt/html/html.xsl (its place differs between a checkout and an
  installed package) and renders every document page through it.

  The id of a mention is tks:mention-id(): "tk-m" followed by the element's
  position in document order (1 = the TEI root), counting elements only.
  teikit.site computes the same number from the TEI in Python
  (site.element_numbers), so both sides agree without passing a map around.
  The imported rules decide what a mention looks like; this profile only adds
  the id: to the one element they write, or to a span around what they write.
-->
<xsl:stylesheet version="3.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:tei="http://www.tei-c.org/ns/1.0"
    xmlns:tks="https://teikit.org/ns/site"
    xmlns:err="http://www.w3.org/2005/xqt-errors"
    exclude-result-prefixes="#all">

  <xsl:import href="@@HTML_XSL@@"/>

  <!-- Elements met so far in document order, counted once as the tree is built,
       so that numbering every mention is linear, not a count per mention. -->
  <xsl:accumulator name="tks:elements-started" as="xs:integer" initial-value="0">
    <xsl:accumulator-rule match="*" phase="start" select="$value + 1"/>
  </xsl:accumulator>

  <!-- Position of an element in document order among all elements (root = 1). -->
  <xsl:function name="tks:element-number" as="xs:integer">
    <xsl:param name="element" as="element()"/>
    <xsl:try>
      <xsl:sequence select="$element/accumulator-before('tks:elements-started')"/>
      <xsl:catch errors="err:XTDE3362"
          select="count($element/preceding::*) + count($element/ancestor-or-self::*)"/>
    </xsl:try>
  </xsl:function>

  <xsl:function name="tks:mention-id" as="xs:string">
    <xsl:param name="element" as="element()"/>
    <xsl:sequence select="'tk-m' || tks:element-number($element)"/>
  </xsl:function>

  <!-- Every element the entity index may count as a mention (see teikit.index). -->
  <xsl:template priority="50" match="tei:persName | tei:placeName | tei:orgName | tei:title
      | tei:name | tei:rs | tei:geogName | tei:settlement | tei:country | tei:region
      | tei:bloc | tei:district">
    <xsl:variable name="out" as="node()*">
      <xsl:next-match/>
    </xsl:variable>
    <xsl:variable name="id" as="xs:string" select="tks:mention-id(.)"/>
    <xsl:choose>
      <xsl:when test="empty($out)"/>
      <xsl:when test="count($out) = 1 and $out instance of element()">
        <xsl:for-each select="$out">
          <xsl:copy>
            <xsl:copy-of select="@* except @id"/>
            <xsl:attribute name="id" select="$id"/>
            <xsl:copy-of select="node()"/>
          </xsl:copy>
        </xsl:for-each>
      </xsl:when>
      <xsl:otherwise>
        <span class="tks-mention" id="{$id}"><xsl:sequence select="$out"/></span>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

</xsl:stylesheet>

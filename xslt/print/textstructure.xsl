<?xml version="1.0" encoding="UTF-8"?>
<!--
  teikit print: textstructure.xsl (TEI chapter "Default Text Structure")
  =====================================================================
  A part (mode tk:part) is one TEI document: a level-1 heading with the
  short title (it becomes the PDF bookmark and the contents entry; footnotes
  never go into headings, or Typst would repeat them in the outline), the
  running-head marker, the kicker and full heading of the letter, the
  metadata block, then the text. Divisions, heads, and the parts of a
  letter (opener, salute, closer, signed, dateline, byline) map to the
  tk- helper functions defined in the preamble (print.xsl).
-->
<xsl:stylesheet version="3.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:tei="http://www.tei-c.org/ns/1.0"
    xmlns:tk="https://teikit.org/ns/xslt"
    exclude-result-prefixes="#all">

  <!-- The part's heading: the short title, "Registers" for an untitled register. -->
  <xsl:function name="tk:part-title" as="xs:string">
    <xsl:param name="tei" as="element(tei:TEI)"/>
    <xsl:variable name="short" as="xs:string?" select="normalize-space(string-join(
        $tei/tei:teiHeader/tei:fileDesc/tei:titleStmt/tei:title[@type = 'short'][1]//text(), ''))[. ne '']"/>
    <xsl:sequence select="($short, tk:msg('home.registers')[tk:kind($tei) = 'register'], tk:title($tei))[1]"/>
  </xsl:function>

  <!-- The part's label: from xml:id, else the file name. -->
  <xsl:function name="tk:part-label" as="xs:string">
    <xsl:param name="tei" as="element(tei:TEI)"/>
    <xsl:sequence select="tk:typst-label(tk:part-name($tei))"/>
  </xsl:function>

  <!-- The part's name (its xml:id, else its file name), the base of its labels. -->
  <xsl:function name="tk:part-name" as="xs:string">
    <xsl:param name="tei" as="element(tei:TEI)"/>
    <xsl:sequence select="(($tei/@xml:id, replace(tokenize(string(base-uri($tei)), '/')[last()], '\.xml$', ''))
        [normalize-space()][1] ! string(.), 'part')[1]"/>
  </xsl:function>

  <xsl:template match="tei:TEI" mode="tk:part">
    <xsl:param name="as-register" as="xs:boolean" select="false()" tunnel="yes"/>
    <xsl:variable name="title-div" as="element(tei:div)?" select="tk:title-div(.)"/>
    <xsl:text>&#10;= </xsl:text>
    <xsl:value-of select="tk:typst-escape(tk:part-title(.))"/>
    <xsl:text> &lt;</xsl:text>
    <xsl:value-of select="tk:part-label(.)"/>
    <xsl:text>&gt;&#10;#metadata(</xsl:text>
    <xsl:value-of select="tk:typst-string(tk:part-title(.))"/>
    <xsl:text>) &lt;tk-running&gt;&#10;</xsl:text>
    <xsl:choose>
      <xsl:when test="$as-register or tk:kind(.) = 'register'">
        <xsl:apply-templates select="." mode="tk:register"/>
      </xsl:when>
      <xsl:otherwise>
        <xsl:for-each select="$title-div/tei:head[@type = ('document', 'kicker')]">
          <xsl:text>#tk-kicker[</xsl:text>
          <xsl:apply-templates/>
          <xsl:text>]&#10;</xsl:text>
        </xsl:for-each>
        <!-- the full title under the heading, unless the heading says it already -->
        <xsl:choose>
          <xsl:when test="$title-div">
            <xsl:text>#tk-title[</xsl:text>
            <xsl:for-each select="tk:main-heads($title-div)">
              <xsl:if test="position() gt 1">#linebreak()</xsl:if>
              <xsl:apply-templates/>
            </xsl:for-each>
            <xsl:text>]&#10;</xsl:text>
          </xsl:when>
          <xsl:when test="tk:title(.) ne tk:part-title(.)">
            <xsl:text>#tk-title[</xsl:text>
            <xsl:value-of select="tk:typst-escape(tk:title(.))"/>
            <xsl:text>]&#10;</xsl:text>
          </xsl:when>
        </xsl:choose>
        <xsl:apply-templates select="tei:teiHeader" mode="tk:metadata"/>
        <xsl:apply-templates select="tei:text"/>
        <xsl:apply-templates select="tei:standOff"/>
        <xsl:call-template name="tk:endnotes">
          <xsl:with-param name="tei" select="."/>
        </xsl:call-template>
      </xsl:otherwise>
    </xsl:choose>
    <xsl:text>&#10;</xsl:text>
  </xsl:template>

  <xsl:template match="tei:teiHeader"/>

  <!-- A title page: each part of the title on its own line, centred. -->
  <xsl:template match="tei:titlePage">
    <xsl:text>&#10;#align(center)[</xsl:text>
    <xsl:apply-templates/>
    <xsl:text>]&#10;</xsl:text>
  </xsl:template>

  <xsl:template match="tei:docTitle | tei:docImprint | tei:docEdition">
    <xsl:text>&#10;#tk-line[</xsl:text>
    <xsl:for-each select="node()[not(self::text()[not(normalize-space())])]">
      <xsl:if test="position() gt 1 and self::tei:titlePart">#linebreak()</xsl:if>
      <xsl:apply-templates select="."/>
    </xsl:for-each>
    <xsl:text>]&#10;</xsl:text>
  </xsl:template>

  <xsl:template match="tei:titlePart[@type = 'main' or not(@type)]">
    <xsl:text>#text(size: 1.3em)[</xsl:text>
    <xsl:apply-templates/>
    <xsl:text>]</xsl:text>
  </xsl:template>

  <xsl:template match="tei:floatingText | tei:standOff">
    <xsl:text>&#10;#block(above: 1em, below: 1em)[</xsl:text>
    <xsl:apply-templates/>
    <xsl:text>]&#10;</xsl:text>
  </xsl:template>

  <xsl:template match="tei:div | tei:div1 | tei:div2 | tei:div3 | tei:div4 | tei:div5 | tei:div6 | tei:div7">
    <xsl:call-template name="tk:part-break"/>
    <xsl:text>&#10;</xsl:text>
    <xsl:choose>
      <xsl:when test="@type = ('source', 'author', 'colophon')">
        <xsl:text>#tk-source[</xsl:text>
        <xsl:apply-templates/>
        <xsl:text>]&#10;</xsl:text>
      </xsl:when>
      <xsl:otherwise>
        <xsl:apply-templates/>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- Heads of the title division are in the part header already. -->
  <xsl:template match="tei:div[. is tk:title-div(ancestor::tei:TEI[1])]/tei:head" priority="2"/>

  <xsl:template match="tei:head[@type = ('document', 'kicker', 'sub', 'label')]" priority="1">
    <xsl:text>&#10;#tk-kicker[</xsl:text>
    <xsl:apply-templates/>
    <xsl:text>]&#10;</xsl:text>
  </xsl:template>

  <!-- Division heads are headings (level 2 and below), unless they hold a note:
       a footnote in a heading would be repeated by the outline and bookmarks. -->
  <xsl:template match="(tei:div | tei:div1 | tei:div2 | tei:div3 | tei:div4 | tei:div5 | tei:div6
      | tei:div7)/tei:head">
    <xsl:variable name="titled" as="xs:boolean" select="exists(tk:title-div(ancestor::tei:TEI[1]))"/>
    <xsl:variable name="level" as="xs:integer"
        select="max((2, min((6, count(ancestor::*[self::tei:div or self::tei:div1 or self::tei:div2
            or self::tei:div3 or self::tei:div4 or self::tei:div5 or self::tei:div6 or self::tei:div7])
            + (if ($titled) then 0 else 1)))))"/>
    <xsl:choose>
      <xsl:when test=".//tei:note">
        <xsl:text>&#10;#tk-head[</xsl:text>
        <xsl:apply-templates/>
        <xsl:text>]&#10;</xsl:text>
      </xsl:when>
      <xsl:otherwise>
        <xsl:text>&#10;#heading(level: </xsl:text>
        <xsl:value-of select="$level"/>
        <xsl:text>)[</xsl:text>
        <xsl:apply-templates/>
        <xsl:text>]&#10;</xsl:text>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template match="tei:head">
    <xsl:text>&#10;#tk-head[</xsl:text>
    <xsl:apply-templates/>
    <xsl:text>]&#10;</xsl:text>
  </xsl:template>

  <!-- ================================================= parts of a letter -->

  <xsl:template match="tei:opener | tei:closer | tei:postscript | tei:argument | tei:epigraph">
    <xsl:text>&#10;#tk-</xsl:text>
    <xsl:value-of select="if (self::tei:closer) then 'closer' else 'opener'"/>
    <xsl:text>[</xsl:text>
    <xsl:apply-templates/>
    <xsl:text>]&#10;</xsl:text>
  </xsl:template>

  <xsl:template match="tei:salute | tei:signed | tei:dateline | tei:byline | tei:docAuthor
      | tei:docDate | tei:trailer | (tei:opener | tei:closer)/tei:seg">
    <xsl:variable name="helper" as="xs:string" select="
        if (self::tei:salute) then 'salute'
        else if (self::tei:signed) then 'signed'
        else if (self::tei:dateline or self::tei:docDate) then 'dateline'
        else if (self::tei:byline or self::tei:docAuthor) then 'byline'
        else 'line'"/>
    <xsl:text>&#10;#tk-</xsl:text>
    <xsl:value-of select="$helper"/>
    <xsl:text>[</xsl:text>
    <xsl:call-template name="tk:lang-open"/>
    <xsl:apply-templates/>
    <xsl:call-template name="tk:lang-close"/>
    <xsl:text>]&#10;</xsl:text>
  </xsl:template>

</xsl:stylesheet>

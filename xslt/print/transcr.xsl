<?xml version="1.0" encoding="UTF-8"?>
<!--
  teikit print: transcr.xsl (TEI chapters "Representation of Primary Sources"
  and "Simple Editorial Changes")
  ============================================================================
  The PDF prints the reading text: the source's own bracketed interpolations
  (seg[@type='interpolation']) as text, the editors' additions (supplied) in
  angle brackets ⟨ ⟩, the reading member of a choice (corr, reg, expan) marked
  with an asterisk that refers to the list of corrections at the end of the
  part, where the source's form is given; gaps as […]. What the writer
  struck out stays visible, struck through (del); uncertain readings are
  underlined with dots; space left in the source is space.
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
    <xsl:text>⟨</xsl:text>
    <xsl:apply-templates/>
    <xsl:text>⟩</xsl:text>
  </xsl:template>

  <!-- (A line of an opener or closer stays a line: textstructure.xsl.) -->
  <xsl:template match="tei:seg[@type = 'interpolation'][not(parent::tei:opener or parent::tei:closer)]">
    <xsl:apply-templates/>
  </xsl:template>

  <!-- A correction: the reading, marked; the source's form is in the part's list. -->
  <xsl:template match="tei:choice">
    <xsl:variable name="reading" as="element()?" select="tk:reading-member(.)"/>
    <xsl:apply-templates select="$reading/node()"/>
    <xsl:if test="tei:sic and tei:corr">
      <xsl:text>#super[#link(</xsl:text>
      <xsl:value-of select="tk:apparatus-label(., 'corr')"/>
      <xsl:text>)[\*]]</xsl:text>
    </xsl:if>
  </xsl:template>

  <!-- The corrections of a part (choice with sic and corr): where, the reading, the source's form. -->
  <xsl:template name="tk:corrections">
    <xsl:param name="tei" as="element(tei:TEI)"/>
    <xsl:variable name="choices" as="element(tei:choice)*" select="$tei/tei:text//tei:choice[tei:sic and tei:corr]"/>
    <xsl:if test="exists($choices)">
      <xsl:text>&#10;#tk-head[Corrections]&#10;#tk-apparatus-intro[Misprints of the source corrected in the text (marked \*); the source’s form follows the bracket.]&#10;</xsl:text>
      <xsl:for-each select="$choices">
        <xsl:text>#tk-apparatus-entry[</xsl:text>
        <xsl:value-of select="tk:typst-escape(tk:source-place(.))"/>
        <xsl:text>][</xsl:text>
        <xsl:apply-templates select="tei:corr/node()"/>
        <xsl:text>\] </xsl:text>
        <xsl:apply-templates select="tei:sic/node()"/>
        <xsl:text>] </xsl:text>
        <xsl:value-of select="tk:apparatus-label(., 'corr')"/>
        <xsl:text>&#10;</xsl:text>
      </xsl:for-each>
    </xsl:if>
  </xsl:template>

  <!-- Where a node stands in the source: "note 4" inside a numbered note, else
       "p. 320", the page of the last page break before it (or the first page
       of the document's printed range), else "". -->
  <xsl:function name="tk:source-place" as="xs:string">
    <xsl:param name="node" as="node()"/>
    <xsl:variable name="note" as="element(tei:note)?"
        select="$node/ancestor::tei:note[normalize-space(@n)][last()]"/>
    <xsl:variable name="tei" as="element(tei:TEI)?" select="$node/ancestor::tei:TEI[1]"/>
    <xsl:variable name="page" as="xs:string?" select="(
        $node/preceding::tei:pb[ancestor::tei:text][not(ancestor::tei:note)][normalize-space(@n)][1]/@n,
        $tei/tei:teiHeader/tei:fileDesc/tei:sourceDesc/tei:bibl[@type = 'printed']/tei:biblScope[@unit = 'page']/@from
        )[1] ! normalize-space(.)"/>
    <xsl:sequence select="if ($note) then 'note ' || normalize-space($note/@n)
        else if ($page) then 'p. ' || $page else ''"/>
  </xsl:function>

  <!-- A Typst label (with its angle brackets) for an apparatus entry of a part:
       an endnote (by its note id) or a correction (by its number in the text). -->
  <xsl:function name="tk:apparatus-label" as="xs:string">
    <xsl:param name="node" as="element()"/>
    <xsl:param name="kind" as="xs:string"/>
    <xsl:variable name="local" as="xs:string">
      <xsl:choose>
        <xsl:when test="$node/self::tei:note"><xsl:sequence select="tk:note-id($node)"/></xsl:when>
        <xsl:otherwise><xsl:number select="$node" level="any" from="tei:text" count="tei:choice"/></xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:sequence select="'&lt;' || tk:part-label($node/ancestor::tei:TEI[1]) || '-' || $kind || '-'
        || replace($local, '[^A-Za-z0-9_\-]', '-') || '&gt;'"/>
  </xsl:function>

  <xsl:template match="tei:gap">
    <xsl:text>\[…\]</xsl:text>
  </xsl:template>

  <!-- ============================================ primary sources (PH) -->

  <!-- Uncertain readings: underlined with dots. -->
  <xsl:template match="tei:unclear">
    <xsl:text>#underline(stroke: (thickness: 0.4pt, dash: "dotted"), offset: 2pt)[</xsl:text>
    <xsl:apply-templates/>
    <xsl:text>]</xsl:text>
  </xsl:template>

  <!-- Deletions are printed struck through; additions and damaged text as text. -->
  <xsl:template match="tei:del">
    <xsl:text>#strike[</xsl:text>
    <xsl:apply-templates/>
    <xsl:text>]</xsl:text>
  </xsl:template>

  <!-- Space left in the source: a word space, or as much space as characters
       (half an em each, at most 10 em); vertical space as empty lines. -->
  <xsl:template match="tei:space">
    <xsl:variable name="count" as="xs:integer" select="tk:space-count(.)"/>
    <xsl:choose>
      <xsl:when test="@dim = 'vertical'">
        <xsl:text>#linebreak()#v(</xsl:text>
        <xsl:value-of select="min(($count, 5)) * 1.2"/>
        <xsl:text>em)</xsl:text>
      </xsl:when>
      <xsl:when test="$count le 1"><xsl:text> </xsl:text></xsl:when>
      <xsl:otherwise>
        <xsl:text> #h(</xsl:text>
        <xsl:value-of select="min(($count, 20)) * 0.5"/>
        <xsl:text>em) </xsl:text>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template match="tei:handShift | tei:facsimile | tei:surface | tei:zone"/>

</xsl:stylesheet>

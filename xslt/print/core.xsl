<?xml version="1.0" encoding="UTF-8"?>
<!--
  teikit print: core.xsl (TEI chapter "Elements Available in All TEI Documents")
  =============================================================================
  Paragraphs, highlighting, quotations, titles, lists, line breaks,
  milestones, page breaks of the source as markers in the margin, links (only
  http, https and mailto leave the PDF) and notes: real footnotes (#footnote,
  numbered as printed via @n), except the notes the source prints at the end
  (@place='end') and the editors' notes (@type='editorial'), which are endnotes:
  a linked marker in the text, the note in the lists at the end of the part
  (tk:endnotes), and, in the whole edition, the source's endnotes together
  after the last document, as printed.
-->
<xsl:stylesheet version="3.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:tei="http://www.tei-c.org/ns/1.0"
    xmlns:tk="https://teikit.org/ns/xslt"
    exclude-result-prefixes="#all">

  <!-- #text(lang: …)[ around content in another language than the document's. -->
  <xsl:template name="tk:lang-open">
    <xsl:variable name="lang" as="xs:string?" select="tk:typst-lang(@xml:lang)"/>
    <xsl:if test="exists($lang)">
      <xsl:text>#text(lang: </xsl:text>
      <xsl:value-of select="tk:typst-string($lang)"/>
      <xsl:text>)[</xsl:text>
    </xsl:if>
  </xsl:template>

  <xsl:template name="tk:lang-close">
    <xsl:if test="exists(tk:typst-lang(@xml:lang))">]</xsl:if>
  </xsl:template>

  <!-- ========================================================== blocks -->

  <xsl:template match="tei:p | tei:ab">
    <xsl:text>&#10;&#10;</xsl:text>
    <!-- A page break just before the paragraph is set at its first line. -->
    <xsl:apply-templates select="preceding-sibling::*[1][self::tei:pb]" mode="tk:block-start"/>
    <xsl:call-template name="tk:lang-open"/>
    <xsl:apply-templates/>
    <xsl:call-template name="tk:lang-close"/>
    <xsl:text>&#10;</xsl:text>
  </xsl:template>

  <xsl:template match="tei:quote[not(ancestor::tei:p)] | tei:cit[not(ancestor::tei:p)]">
    <xsl:text>&#10;#quote(block: true)[</xsl:text>
    <xsl:apply-templates/>
    <xsl:text>]&#10;</xsl:text>
  </xsl:template>

  <xsl:template match="tei:list">
    <xsl:apply-templates select="tei:head"/>
    <xsl:text>&#10;#</xsl:text>
    <xsl:value-of select="if (@type = ('ordered', 'numbered')) then 'enum' else 'list'"/>
    <xsl:text>(&#10;</xsl:text>
    <xsl:for-each select="tei:item">
      <xsl:text>  [</xsl:text>
      <xsl:apply-templates/>
      <xsl:text>],&#10;</xsl:text>
    </xsl:for-each>
    <xsl:text>)&#10;</xsl:text>
  </xsl:template>

  <xsl:template match="tei:milestone[@unit = 'section']">
    <xsl:text>&#10;#tk-milestone[</xsl:text>
    <xsl:value-of select="tk:typst-escape((normalize-space(@rend)[. ne ''], '* * *')[1])"/>
    <xsl:text>]&#10;</xsl:text>
  </xsl:template>

  <xsl:template match="tei:milestone | tei:cb | tei:graphic | tei:figDesc"/>

  <!-- A page break of the source: "[p. 316]" in the margin, a bar where it falls in a line.
       Between paragraphs it is set at the first line of the next one (tk:block-start). -->
  <xsl:template match="tei:pb[not(ancestor::tei:p)][following-sibling::*[1][self::tei:p or self::tei:ab]]"
      priority="1"/>
  <xsl:template match="tei:pb" mode="#default tk:block-start">
    <xsl:if test="normalize-space(@n)">
      <xsl:text>#tk-pb(</xsl:text>
      <xsl:value-of select="tk:typst-string(@n)"/>
      <xsl:text>, </xsl:text>
      <xsl:value-of select="if (ancestor::tei:p or ancestor::tei:note or ancestor::tei:head) then 'true' else 'false'"/>
      <xsl:text>)</xsl:text>
    </xsl:if>
  </xsl:template>

  <!-- ========================================================== inline -->

  <xsl:template match="tei:lb">
    <xsl:text>#linebreak()</xsl:text>
  </xsl:template>

  <xsl:template match="tei:hi">
    <xsl:variable name="rend" as="xs:string" select="lower-case(normalize-space(@rend))"/>
    <xsl:variable name="call" as="xs:string?" select="
        if (matches($rend, 'italic')) then 'emph' else if (matches($rend, 'bold')) then 'strong'
        else if (matches($rend, 'sup')) then 'super' else if (matches($rend, 'sub')) then 'sub' else ()"/>
    <xsl:if test="$call">#<xsl:value-of select="$call"/>[</xsl:if>
    <xsl:apply-templates/>
    <xsl:if test="$call">]</xsl:if>
  </xsl:template>

  <xsl:template match="tei:emph | tei:foreign | tei:term | tei:title[@level = ('m', 'j', 's')]">
    <xsl:text>#emph[</xsl:text>
    <xsl:call-template name="tk:lang-open"/>
    <xsl:apply-templates/>
    <xsl:call-template name="tk:lang-close"/>
    <xsl:text>]</xsl:text>
  </xsl:template>

  <xsl:template match="tei:q | tei:quote | tei:said">
    <xsl:text>#quote[</xsl:text>
    <xsl:apply-templates/>
    <xsl:text>]</xsl:text>
  </xsl:template>

  <!-- Element and attribute names and values, as the Guidelines write them. -->
  <xsl:template match="tei:gi | tei:att | tei:val | tei:code | tei:ident">
    <xsl:text>#raw(</xsl:text>
    <xsl:value-of select="tk:typst-string(tk:documentation-form(.))"/>
    <xsl:text>)</xsl:text>
  </xsl:template>

  <!-- ================================================== links and pointers -->

  <!-- The URL of a pointer if it may leave the PDF (absolute http, https, mailto), else (). -->
  <xsl:function name="tk:external-url" as="xs:string?">
    <xsl:param name="attribute" as="attribute()?"/>
    <xsl:variable name="url" as="xs:string?" select="$attribute ! tk:safe-url(., .)"/>
    <xsl:sequence select="$url[tk:url-scheme(.) = ('http', 'https', 'mailto')]"/>
  </xsl:function>

  <xsl:template match="tei:ref">
    <xsl:variable name="url" as="xs:string?" select="tk:external-url(@target)"/>
    <xsl:if test="exists($url)">
      <xsl:text>#link(</xsl:text>
      <xsl:value-of select="tk:typst-string($url)"/>
      <xsl:text>)[</xsl:text>
    </xsl:if>
    <xsl:apply-templates/>
    <xsl:if test="exists($url)">]</xsl:if>
  </xsl:template>

  <xsl:template match="tei:ptr">
    <xsl:variable name="url" as="xs:string?" select="tk:external-url(@target)"/>
    <xsl:if test="exists($url)">
      <xsl:text>#link(</xsl:text>
      <xsl:value-of select="tk:typst-string($url)"/>
      <xsl:text>)</xsl:text>
    </xsl:if>
  </xsl:template>

  <!-- ============================================================= notes -->

  <!-- A real footnote at the foot of the page, numbered as in the source (@n). -->
  <xsl:template match="tei:text//tei:note">
    <xsl:text>#footnote(</xsl:text>
    <xsl:if test="normalize-space(@n)">
      <xsl:text>numbering: (..) => </xsl:text>
      <xsl:value-of select="tk:typst-string(@n)"/>
    </xsl:if>
    <xsl:text>)[</xsl:text>
    <xsl:call-template name="tk:lang-open"/>
    <xsl:apply-templates/>
    <xsl:call-template name="tk:lang-close"/>
    <xsl:text>]</xsl:text>
  </xsl:template>

  <!-- An endnote (printed at the end, or the editors' note): a linked marker here. -->
  <xsl:template match="tei:text//tei:note[@place = 'end' or @type = 'editorial']" priority="1">
    <xsl:text>#tk-noteref(</xsl:text>
    <xsl:value-of select="tk:typst-string(tk:note-marker(.))"/>
    <xsl:text>, </xsl:text>
    <xsl:value-of select="tk:apparatus-label(., 'note')"/>
    <xsl:text>, editorial: </xsl:text>
    <xsl:value-of select="if (@type = 'editorial') then 'true' else 'false'"/>
    <xsl:text>)</xsl:text>
  </xsl:template>

  <!-- The endnotes of a part: the source's (unless the edition prints them all
       after the last document), the editors', and the corrections. -->
  <xsl:template name="tk:endnotes">
    <xsl:param name="tei" as="element(tei:TEI)"/>
    <xsl:param name="edition" as="xs:boolean" select="false()" tunnel="yes"/>
    <xsl:if test="not($edition)">
      <xsl:call-template name="tk:endnote-list">
        <xsl:with-param name="notes" select="$tei/tei:text//tei:note[@place = 'end'][not(@type = 'editorial')]"/>
        <xsl:with-param name="heading" select="'Notes'"/>
      </xsl:call-template>
    </xsl:if>
    <xsl:call-template name="tk:endnote-list">
      <xsl:with-param name="notes" select="$tei/tei:text//tei:note[@type = 'editorial']"/>
      <xsl:with-param name="heading" select="'Editorial notes'"/>
      <xsl:with-param name="intro" select="'Notes of the present editors, lettered; they are not part of the printed text.'"/>
    </xsl:call-template>
    <xsl:call-template name="tk:corrections">
      <xsl:with-param name="tei" select="$tei"/>
    </xsl:call-template>
  </xsl:template>

  <xsl:template name="tk:endnote-list">
    <xsl:param name="notes" as="element(tei:note)*"/>
    <xsl:param name="heading" as="xs:string?"/>
    <xsl:param name="intro" as="xs:string?" select="()"/>
    <xsl:if test="exists($notes)">
      <xsl:if test="$heading">
        <xsl:text>&#10;#tk-head[</xsl:text>
        <xsl:value-of select="tk:typst-escape($heading)"/>
        <xsl:text>]&#10;</xsl:text>
      </xsl:if>
      <xsl:if test="$intro">
        <xsl:text>#tk-apparatus-intro[</xsl:text>
        <xsl:value-of select="tk:typst-escape($intro)"/>
        <xsl:text>]&#10;</xsl:text>
      </xsl:if>
      <xsl:for-each select="$notes">
        <xsl:text>#tk-endnote(</xsl:text>
        <xsl:value-of select="tk:typst-string(tk:note-marker(.))"/>
        <xsl:text>, editorial: </xsl:text>
        <xsl:value-of select="if (@type = 'editorial') then 'true' else 'false'"/>
        <xsl:text>)[</xsl:text>
        <xsl:call-template name="tk:lang-open"/>
        <xsl:apply-templates/>
        <xsl:call-template name="tk:lang-close"/>
        <xsl:text>] </xsl:text>
        <xsl:value-of select="tk:apparatus-label(., 'note')"/>
        <xsl:text>&#10;</xsl:text>
      </xsl:for-each>
    </xsl:if>
  </xsl:template>

  <!-- Notes in the header (metadata block) stay inline, in parentheses. -->
  <xsl:template match="tei:teiHeader//tei:note">
    <xsl:text> \(</xsl:text>
    <xsl:apply-templates/>
    <xsl:text>\)</xsl:text>
  </xsl:template>

</xsl:stylesheet>

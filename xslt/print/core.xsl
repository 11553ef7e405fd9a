<?xml version="1.0" encoding="UTF-8"?>
<!--
  teikit print: core.xsl (TEI chapter "Elements Available in All TEI Documents")
  =============================================================================
  Paragraphs (aligned as @rend says), highlighting (tk:rend-tokens mapped
  to Typst's own functions: emph, strong, underline, strike, super, sub,
  smallcaps, tracking …), quotations and citations, titles, dates, lists
  of every type (bulleted, ordered, simple, inline, gloss), verse (lg, l),
  line breaks, milestones, page breaks of the source as markers in the
  margin, links (only http, https and mailto leave the PDF) and notes: real
  footnotes (#footnote, numbered as printed via @n), except the notes the
  source prints at the end (@place='end') and the editors' notes
  (@type='editorial'), which are endnotes: a linked marker in the text, the
  note in the lists at the end of the part (tk:endnotes), and, in the whole
  edition, the source's endnotes together after the last document, as
  printed. Notes in or between the lines stay there, in parentheses.
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

  <!-- #align(…)[ around a block whose @rend, @rendition or @style centres or aligns it. -->
  <xsl:function name="tk:align" as="xs:string?">
    <xsl:param name="element" as="element()"/>
    <xsl:sequence select="tk:rend-tokens($element)[. = ('center', 'right')][1]"/>
  </xsl:function>

  <xsl:template match="tei:p | tei:ab">
    <xsl:variable name="align" as="xs:string?" select="tk:align(.)"/>
    <xsl:text>&#10;&#10;</xsl:text>
    <!-- A page break just before the paragraph is set at its first line. -->
    <xsl:apply-templates select="preceding-sibling::*[1][self::tei:pb]" mode="tk:block-start"/>
    <xsl:if test="$align">#align(<xsl:value-of select="$align"/>)[</xsl:if>
    <xsl:call-template name="tk:lang-open"/>
    <xsl:call-template name="tk:rend-open"/>
    <xsl:apply-templates/>
    <xsl:call-template name="tk:rend-close"/>
    <xsl:call-template name="tk:lang-close"/>
    <xsl:if test="$align">]</xsl:if>
    <xsl:text>&#10;</xsl:text>
  </xsl:template>

  <xsl:template match="tei:quote[tk:is-block(.)]">
    <xsl:text>&#10;#quote(block: true)[</xsl:text>
    <xsl:call-template name="tk:lang-open"/>
    <xsl:apply-templates/>
    <xsl:call-template name="tk:lang-close"/>
    <xsl:text>]&#10;</xsl:text>
  </xsl:template>

  <!-- A citation: the quotation with its source as attribution (set off from the
       text), or followed by the source in parentheses (in running text). -->
  <xsl:template match="tei:cit">
    <xsl:variable name="quoted" as="element()*" select="tei:quote | tei:q"/>
    <xsl:variable name="source" as="element()*" select="* except ($quoted | tei:note | tei:ptr)"/>
    <xsl:choose>
      <xsl:when test="tk:is-block(.)">
        <xsl:text>&#10;#quote(block: true</xsl:text>
        <xsl:if test="exists($source)">
          <xsl:text>, attribution: [</xsl:text>
          <xsl:apply-templates select="$source"/>
          <xsl:text>]</xsl:text>
        </xsl:if>
        <xsl:text>)[</xsl:text>
        <xsl:for-each select="$quoted">
          <xsl:call-template name="tk:lang-open"/>
          <xsl:apply-templates/>
          <xsl:call-template name="tk:lang-close"/>
        </xsl:for-each>
        <xsl:apply-templates select="tei:note | tei:ptr"/>
        <xsl:text>]&#10;</xsl:text>
      </xsl:when>
      <xsl:otherwise>
        <xsl:apply-templates select="$quoted"/>
        <xsl:if test="exists($source)">
          <xsl:text> \(</xsl:text>
          <xsl:apply-templates select="$source"/>
          <xsl:text>\)</xsl:text>
        </xsl:if>
        <xsl:apply-templates select="tei:note | tei:ptr"/>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- ============================================================ lists -->

  <!-- Lists by tk:list-kind: #enum, #list (markers hidden for simple lists),
       a two-column grid for gloss lists, items run on for inline lists. -->
  <xsl:template match="tei:list">
    <xsl:variable name="kind" as="xs:string" select="tk:list-kind(.)"/>
    <xsl:apply-templates select="tei:head"/>
    <xsl:choose>
      <xsl:when test="$kind = 'gloss'">
        <xsl:text>&#10;#grid(columns: (auto, 1fr), column-gutter: 1em, row-gutter: 0.6em,&#10;</xsl:text>
        <xsl:for-each select="tei:headLabel | tei:headItem">
          <xsl:text>  [#strong[</xsl:text>
          <xsl:apply-templates/>
          <xsl:text>]],&#10;</xsl:text>
        </xsl:for-each>
        <xsl:for-each select="tei:item">
          <xsl:text>  [</xsl:text>
          <xsl:apply-templates select="preceding-sibling::*[1][self::tei:label]/node()"/>
          <xsl:if test="not(preceding-sibling::*[1][self::tei:label])">
            <xsl:value-of select="tk:typst-escape(@n)"/>
          </xsl:if>
          <xsl:text>], [</xsl:text>
          <xsl:apply-templates/>
          <xsl:text>],&#10;</xsl:text>
        </xsl:for-each>
        <xsl:text>)&#10;</xsl:text>
      </xsl:when>
      <xsl:when test="$kind = 'inline'">
        <xsl:for-each select="tei:item">
          <xsl:if test="position() gt 1"><xsl:text> </xsl:text></xsl:if>
          <xsl:apply-templates select="preceding-sibling::*[1][self::tei:label]"/>
          <xsl:if test="@n and not(preceding-sibling::*[1][self::tei:label])">
            <xsl:value-of select="tk:typst-escape(@n) || ' '"/>
          </xsl:if>
          <xsl:apply-templates/>
        </xsl:for-each>
      </xsl:when>
      <xsl:otherwise>
        <xsl:text>&#10;#</xsl:text>
        <xsl:value-of select="if ($kind = 'ordered') then 'enum(' else if ($kind = 'simple')
            then 'list(marker: none, ' else 'list('"/>
        <xsl:text>&#10;</xsl:text>
        <xsl:for-each select="tei:item">
          <xsl:text>  [</xsl:text>
          <xsl:if test="@n and $kind ne 'ordered'">
            <xsl:value-of select="tk:typst-escape(@n) || ' '"/>
          </xsl:if>
          <xsl:apply-templates select="preceding-sibling::*[1][self::tei:label]"/>
          <xsl:apply-templates/>
          <xsl:text>],&#10;</xsl:text>
        </xsl:for-each>
        <xsl:text>)&#10;</xsl:text>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- A label before an item, or in running text. -->
  <xsl:template match="tei:label">
    <xsl:text>#strong[</xsl:text>
    <xsl:apply-templates/>
    <xsl:text>] </xsl:text>
  </xsl:template>

  <!-- Labels of list items are written with their item. -->
  <xsl:template match="tei:list/tei:label[following-sibling::*[1][self::tei:item]]" priority="1"/>

  <!-- ============================================================ verse -->

  <xsl:template match="tei:lg">
    <xsl:text>&#10;#tk-lg[</xsl:text>
    <xsl:call-template name="tk:lang-open"/>
    <xsl:apply-templates/>
    <xsl:call-template name="tk:lang-close"/>
    <xsl:text>]&#10;</xsl:text>
  </xsl:template>

  <xsl:template match="tei:lg/tei:head">
    <xsl:text>&#10;#tk-head[</xsl:text>
    <xsl:apply-templates/>
    <xsl:text>]&#10;</xsl:text>
  </xsl:template>

  <!-- A verse line on a line of its own; its number (@n) in the margin when
       it is a multiple of five (or not a number). -->
  <xsl:template match="tei:l">
    <xsl:variable name="n" as="xs:string" select="normalize-space(@n)"/>
    <xsl:text>&#10;#tk-l(</xsl:text>
    <xsl:if test="tk:show-line-number(.)">
      <xsl:text>n: </xsl:text>
      <xsl:value-of select="tk:typst-string($n)"/>
      <xsl:text>, </xsl:text>
    </xsl:if>
    <xsl:text>indent: </xsl:text>
    <xsl:value-of select="if (tk:rend-tokens(.) = 'indent' or @part = ('M', 'F')) then 'true' else 'false'"/>
    <xsl:text>)[</xsl:text>
    <xsl:call-template name="tk:lang-open"/>
    <xsl:apply-templates/>
    <xsl:call-template name="tk:lang-close"/>
    <xsl:text>]&#10;</xsl:text>
  </xsl:template>

  <xsl:template match="tei:milestone[@unit = 'section']">
    <xsl:text>&#10;#tk-milestone[</xsl:text>
    <xsl:value-of select="tk:typst-escape((normalize-space(@rend)[. ne ''], '* * *')[1])"/>
    <xsl:text>]&#10;</xsl:text>
  </xsl:template>

  <xsl:template match="tei:milestone | tei:cb | tei:figDesc | tei:anchor"/>

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

  <!-- The Typst calls each rendition token opens (tk:rend-tokens); alignment and
       indentation tokens belong to blocks (see tk:align) and open nothing here. -->
  <xsl:variable name="tk:rend-calls" as="map(xs:string, xs:string)" select="map {
      'italic': '#emph[', 'bold': '#strong[', 'underline': '#underline[',
      'double-underline': '#underline(offset: 3.5pt)[#underline[', 'overline': '#overline[',
      'strikethrough': '#strike[', 'superscript': '#super[', 'subscript': '#sub[',
      'smallcaps': '#smallcaps[', 'spaced': '#text(tracking: 0.15em)[', 'uppercase': '#upper[',
      'lowercase': '#lower[', 'monospace': '#text(font: &quot;DejaVu Sans Mono&quot;, size: 0.9em)[',
      'larger': '#text(size: 1.2em)[', 'smaller': '#text(size: 0.85em)['}"/>

  <!-- Open (close) the Typst calls for the rendition of the context element. -->
  <xsl:template name="tk:rend-open">
    <xsl:value-of select="tk:rend-tokens(.) ! $tk:rend-calls(.)" separator=""/>
  </xsl:template>

  <xsl:template name="tk:rend-close">
    <xsl:value-of select="reverse(tk:rend-tokens(.) ! $tk:rend-calls(.))
        ! replace(., '[^\[]', '') ! replace(., '\[', ']')" separator=""/>
  </xsl:template>

  <xsl:template match="tei:hi">
    <xsl:call-template name="tk:lang-open"/>
    <xsl:call-template name="tk:rend-open"/>
    <xsl:apply-templates/>
    <xsl:call-template name="tk:rend-close"/>
    <xsl:call-template name="tk:lang-close"/>
  </xsl:template>

  <xsl:template match="tei:emph | tei:foreign | tei:term | tei:title[@level = ('m', 'j', 's')]">
    <xsl:text>#emph[</xsl:text>
    <xsl:call-template name="tk:lang-open"/>
    <xsl:apply-templates/>
    <xsl:call-template name="tk:lang-close"/>
    <xsl:text>]</xsl:text>
  </xsl:template>

  <!-- Quotations in running text: Typst's #quote adds the quotation marks of the
       language, unless the source gives its own (tk:has-own-marks). -->
  <xsl:template match="tei:q | tei:quote | tei:said | tei:soCalled">
    <xsl:variable name="marks" as="xs:boolean" select="not(tk:has-own-marks(.))"/>
    <xsl:if test="$marks">#quote[</xsl:if>
    <xsl:call-template name="tk:lang-open"/>
    <xsl:apply-templates/>
    <xsl:call-template name="tk:lang-close"/>
    <xsl:if test="$marks">]</xsl:if>
  </xsl:template>

  <!-- A date or time prints as written; an empty one prints its value. -->
  <xsl:template match="tei:date | tei:time">
    <xsl:apply-templates/>
    <xsl:if test="not(normalize-space())">
      <xsl:value-of select="tk:typst-escape((tk:machine-date(.), tk:date-range(.))[1])"/>
    </xsl:if>
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
    <xsl:variable name="url" as="xs:string?" select="tk:first-url($attribute)"/>
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

  <!-- An identifier that is a URL links there. -->
  <xsl:template match="tei:idno[tk:is-url(.)][not(ancestor::tei:ref[@target])]">
    <xsl:variable name="url" as="xs:string?" select="tk:safe-url(normalize-space(.), .)"/>
    <xsl:text>#link(</xsl:text>
    <xsl:value-of select="tk:typst-string($url)"/>
    <xsl:text>)[</xsl:text>
    <xsl:value-of select="tk:typst-escape($url)"/>
    <xsl:text>]</xsl:text>
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

  <!-- Is this note an endnote in print: listed after the text (tk:note-kind "end")
       and either printed at the end in the source or the editors'? -->
  <xsl:function name="tk:is-endnote" as="xs:boolean">
    <xsl:param name="note" as="element(tei:note)"/>
    <xsl:sequence select="($note/@place = 'end' or $note/@type = 'editorial') and tk:is-listed($note)"/>
  </xsl:function>

  <!-- Notes of register entries are printed with the entry (namesdates.xsl). -->
  <xsl:template match="tei:text//tei:note[tk:note-kind(.) = 'entry']" priority="2">
    <xsl:apply-templates/>
  </xsl:template>

  <!-- Notes the source has in or between the lines stay there, in parentheses,
       smaller. (Marginal notes become footnotes: a page has no margin to spare.) -->
  <xsl:template match="tei:text//tei:note[tk:note-kind(.) = 'inline']" priority="1">
    <xsl:text> #text(size: 0.85em)[\(</xsl:text>
    <xsl:call-template name="tk:lang-open"/>
    <xsl:apply-templates/>
    <xsl:call-template name="tk:lang-close"/>
    <xsl:text>\)] </xsl:text>
  </xsl:template>

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

  <!-- An endnote (printed at the end, or the editors' note): a linked marker here.
       The editors' notes in or between the lines stay there, as the source's do,
       and their marginal notes become footnotes, as the source's do: the rule
       for inline notes and this one never match the same note. -->
  <xsl:template match="tei:text//tei:note[tk:is-endnote(.)]" priority="1">
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
        <xsl:with-param name="notes" select="$tei/tei:text//tei:note[tk:is-endnote(.)][not(@type = 'editorial')]"/>
        <xsl:with-param name="heading" select="tk:msg('notes.heading')"/>
      </xsl:call-template>
    </xsl:if>
    <xsl:call-template name="tk:endnote-list">
      <xsl:with-param name="notes" select="$tei/tei:text//tei:note[tk:is-endnote(.)][@type = 'editorial']"/>
      <xsl:with-param name="heading" select="tk:msg('notes.editorial')"/>
      <xsl:with-param name="intro" select="tk:msg('notes.editorial.intro')"/>
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

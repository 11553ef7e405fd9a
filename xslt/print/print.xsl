<?xml version="1.0" encoding="UTF-8"?>
<!--
  teikit print: print.xsl (entry point)
  =====================================
  Writes Typst markup (https://typst.app) for a PDF: A4, running head with
  the document's short title, page numbers, real footnotes (#footnote),
  a metadata block, and PDF metadata (#set document). teikit compiles it
  in-process with the typst Python package (render.py).

  Two entry points:
    match="/"                   one TEI document → one PDF
    name="tk:edition"           $documents (+ $register) → one PDF of the edition:
                                title page, contents (#outline), front matter,
                                letters in date order, registers; headings
                                become PDF bookmarks

  Modules, one per TEI chapter (same split as ../html/):
    core.xsl  textstructure.xsl  namesdates.xsl  transcr.xsl
    header.xsl  correspondence.xsl  drama.xsl  figures.xsl

  SECURITY: Typst is a programming language. TEI text and attribute values
  reach the output only through tk:typst-escape (markup) or tk:typst-string
  (string literals); labels through tk:typst-label, languages through
  tk:typst-lang. Every mode declares a text() template that escapes; no mode
  copies text unescaped (on-no-match is shallow-skip, never text-only-copy).
  Profiles that add Typst code in hooks must escape TEI text the same way.

  Profiles: import this stylesheet and override the named hooks
  (tk:hook-head: extra preamble; tk:hook-before-body; tk:hook-after-body;
  tk:hook-footer: footer content on pages where a part starts).
-->
<xsl:stylesheet version="3.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:tei="http://www.tei-c.org/ns/1.0"
    xmlns:tk="https://teikit.org/ns/xslt"
    exclude-result-prefixes="#all">

  <xsl:import href="../common/common.xsl"/>

  <xsl:include href="core.xsl"/>
  <xsl:include href="textstructure.xsl"/>
  <xsl:include href="namesdates.xsl"/>
  <xsl:include href="transcr.xsl"/>
  <xsl:include href="header.xsl"/>
  <xsl:include href="correspondence.xsl"/>
  <xsl:include href="drama.xsl"/>
  <xsl:include href="figures.xsl"/>

  <xsl:output method="text" encoding="UTF-8"/>

  <xsl:strip-space elements="tei:TEI tei:teiHeader tei:fileDesc tei:titleStmt tei:respStmt
      tei:publicationStmt tei:sourceDesc tei:msDesc tei:msIdentifier tei:msContents
      tei:profileDesc tei:correspDesc tei:correspAction tei:correspContext tei:langUsage
      tei:text tei:front tei:body tei:back tei:div tei:opener tei:closer tei:list
      tei:listPerson tei:listPlace tei:listOrg tei:listBibl tei:listRelation
      tei:person tei:place tei:org tei:location tei:choice tei:sp tei:spGrp tei:lg tei:castList
      tei:castGroup tei:table tei:row tei:figure tei:listEvent tei:event tei:standOff tei:facsimile
      tei:surface tei:subst tei:titlePage tei:docTitle tei:cit"/>

  <!-- ========================================================== parameters -->

  <!-- Paper size, a Typst paper name such as a4, us-letter, a5. -->
  <xsl:param name="paper" as="xs:string" select="'a4'"/>

  <!-- Main font family; the default is embedded in Typst and covers Latin (Đ, Ž) and Cyrillic (Ћ). -->
  <xsl:param name="font" as="xs:string" select="'Libertinus Serif'"/>

  <!-- Body font size in points. -->
  <xsl:param name="font-size" as="xs:decimal" select="10.5"/>

  <!-- Hyphenate justified text. false() typesets about a quarter faster (Typst then
       considers far fewer line breaks), with looser justified lines. -->
  <xsl:param name="hyphenate" as="xs:boolean" select="true()"/>

  <!-- Print the registers at the end of the edition PDF (and link names to them). -->
  <xsl:param name="print-registers" as="xs:boolean" select="true()"/>

  <!-- Mark where a long document may be typeset in parts (render.compile_typst): a
       Typst comment where the preamble ends and one before each division (and each
       register entry) that starts at the top level of the markup. Off: no marks. -->
  <xsl:param name="part-breaks" as="xs:boolean" select="false()"/>

  <!-- =============================================================== modes -->

  <!-- The text. Elements without a rule pass their content on; text is always escaped. -->
  <xsl:mode on-no-match="shallow-skip" on-multiple-match="fail" use-accumulators="#all"/>

  <!-- Plain reading text (for string literals: PDF metadata, running heads). -->
  <xsl:mode name="tk:plain" on-no-match="shallow-skip" on-multiple-match="fail"/>

  <!-- The metadata block built from the teiHeader. -->
  <xsl:mode name="tk:metadata" on-no-match="shallow-skip" on-multiple-match="fail"/>

  <!-- A page break set at the start of the paragraph that follows it. -->
  <xsl:mode name="tk:block-start" on-no-match="shallow-skip" on-multiple-match="fail"/>

  <!-- The editorial principles (encodingDesc/editorialDecl and the declared values). -->
  <xsl:mode name="tk:principles" on-no-match="shallow-skip" on-multiple-match="fail"/>

  <!-- Register entries (persons, places, organisations, works). -->
  <xsl:mode name="tk:register" on-no-match="shallow-skip" on-multiple-match="fail"/>

  <!-- One document of the whole-edition PDF (a part: heading, text, endnotes). -->
  <xsl:mode name="tk:part" on-no-match="shallow-skip" on-multiple-match="fail"/>

  <!-- The only way TEI text reaches Typst markup. mode="#all" also covers any mode
       a profile forgets to declare (whose built-in rule would copy text unescaped). -->
  <xsl:template match="text()" mode="#all">
    <xsl:value-of select="tk:typst-escape(.)"/>
  </xsl:template>

  <!-- Plain mode collects raw text: callers pass it through tk:typst-string. -->
  <xsl:template match="text()" mode="tk:plain" priority="1">
    <xsl:value-of select="."/>
  </xsl:template>
  <xsl:template match="tei:note" mode="tk:plain"/>
  <xsl:template match="tei:choice" mode="tk:plain">
    <xsl:apply-templates select="tk:reading-member(.)" mode="tk:plain"/>
  </xsl:template>

  <!-- Plain reading text of nodes, whitespace-normalised. -->
  <xsl:function name="tk:plain" as="xs:string">
    <xsl:param name="nodes" as="node()*"/>
    <xsl:variable name="text" as="xs:string*">
      <xsl:apply-templates select="$nodes" mode="tk:plain"/>
    </xsl:variable>
    <xsl:sequence select="normalize-space(string-join($text, ''))"/>
  </xsl:function>

  <!-- ======================================================= one document -->

  <xsl:template match="/">
    <xsl:variable name="tei" as="element(tei:TEI)" select="tk:require-tei(.)"/>
    <xsl:call-template name="tk:preamble">
      <xsl:with-param name="title" select="tk:title($tei)"/>
      <xsl:with-param name="authors" select="tk:authors($tei)"/>
      <xsl:with-param name="description" select="tk:description($tei)"/>
      <xsl:with-param name="keywords" select="tk:keywords($tei)"/>
      <xsl:with-param name="lang" select="tk:lang($tei)"/>
    </xsl:call-template>
    <xsl:if test="$part-breaks">
      <xsl:text>// tk-part: preamble ends&#10;</xsl:text>
    </xsl:if>
    <xsl:call-template name="tk:hook-before-body"/>
    <xsl:apply-templates select="$tei" mode="tk:part"/>
    <xsl:call-template name="tk:hook-after-body"/>
  </xsl:template>

  <!-- ====================================================== the edition -->

  <xsl:template name="tk:edition">
    <xsl:variable name="all" as="element(tei:TEI)*" select="$documents ! tk:require-tei(.)"/>
    <!-- $documents come in the edition's reading order (teikit's edition model). -->
    <xsl:variable name="contents" as="element(tei:TEI)?" select="$all[tk:kind(.) = 'edition'][1]"/>
    <xsl:variable name="front" as="element(tei:TEI)*" select="$all[tk:kind(.) = 'introduction']"/>
    <xsl:variable name="registers" as="element(tei:TEI)*"
        select="if (not($print-registers)) then ()
                else if (exists($tk:register)) then $tk:register/tei:TEI
                else $all[tk:kind(.) = 'register']"/>
    <!-- The register is printed as the registers, even when it is also taken for a
         letter (a register with a correspDesc): names link to its entries' labels. -->
    <xsl:variable name="letters" as="element(tei:TEI)*"
        select="$all[tk:kind(.) = ('letter', 'drama', 'other')][not(tk:among(., $registers))]"/>
    <xsl:variable name="title" as="xs:string" select="($edition-title[normalize-space()],
        $contents ! tk:title(.), $all ! tk:edition-title(.), tk:msg('print.edition'))[1]"/>
    <xsl:call-template name="tk:preamble">
      <xsl:with-param name="title" select="$title"/>
      <xsl:with-param name="authors" select="distinct-values(
          ($contents, $all)[1]/tei:teiHeader/tei:fileDesc/tei:titleStmt/(tei:author | tei:editor)
          ! normalize-space(.))"/>
      <xsl:with-param name="description" select="$title || ': ' || count($letters) || ' letters'
          || (if (exists($front)) then ', introduction' else '')
          || (if (exists($registers)) then ' and registers' else '')"/>
      <xsl:with-param name="keywords" select="distinct-values($letters ! tk:keywords(.))"/>
      <xsl:with-param name="lang" select="($contents, $all)[1] ! tk:lang(.)"/>
    </xsl:call-template>
    <xsl:call-template name="tk:title-page">
      <xsl:with-param name="title" select="$title"/>
      <xsl:with-param name="source" select="($contents, $all)[1]"/>
    </xsl:call-template>
    <xsl:text>#page(header: none, footer: none)[#outline(title: [Contents], depth: 2)]&#10;</xsl:text>
    <xsl:apply-templates select="$contents/tei:teiHeader/tei:encodingDesc[tei:editorialDecl]" mode="tk:principles"/>
    <xsl:call-template name="tk:hook-before-body"/>
    <xsl:apply-templates select="$front, $letters" mode="tk:part">
      <xsl:with-param name="edition" select="true()" tunnel="yes"/>
    </xsl:apply-templates>
    <!-- The source's endnotes, together after the last document, as the print has them. -->
    <xsl:variable name="end-notes" as="element(tei:note)*" select="for $d in ($front, $letters)
        return $d/tei:text//tei:note[tk:is-endnote(.)][not(@type = 'editorial')]"/>
    <xsl:if test="exists($end-notes)">
      <xsl:text>&#10;= Notes &lt;tk-edition-notes&gt;&#10;#metadata("Notes") &lt;tk-running&gt;&#10;</xsl:text>
      <xsl:text>#tk-apparatus-intro[The notes of the source, printed together after the last document, as in the print.]&#10;</xsl:text>
      <xsl:call-template name="tk:endnote-list">
        <xsl:with-param name="notes" select="$end-notes"/>
        <xsl:with-param name="heading" select="()"/>
      </xsl:call-template>
    </xsl:if>
    <xsl:apply-templates select="$registers" mode="tk:part">
      <xsl:with-param name="edition" select="true()" tunnel="yes"/>
      <xsl:with-param name="as-register" select="true()" tunnel="yes"/>
    </xsl:apply-templates>
    <xsl:call-template name="tk:hook-after-body"/>
  </xsl:template>

  <!-- A mark before a division or a register entry where a part of a long document
       may begin (see $part-breaks): only in a document's own PDF, and only where
       nothing around it is open in the markup (no block or function it is inside). -->
  <xsl:template name="tk:part-break">
    <xsl:param name="edition" as="xs:boolean" select="false()" tunnel="yes"/>
    <xsl:param name="where" as="element()" select="."/>
    <xsl:if test="$part-breaks and not($edition) and tk:at-top-level($where)">
      <xsl:text>&#10;// tk-part: break&#10;</xsl:text>
    </xsl:if>
  </xsl:template>

  <!-- Whether an element's markup starts at the top level: every ancestor inside
       the TEI element writes nothing around its content (text, body, front, back,
       group, plain divisions). -->
  <xsl:function name="tk:at-top-level" as="xs:boolean">
    <xsl:param name="element" as="element()"/>
    <xsl:sequence select="empty($element/ancestor::*[ancestor::tei:TEI]
        [not(self::tei:text or self::tei:body or self::tei:front or self::tei:back or self::tei:group
             or ((self::tei:div or self::tei:div1 or self::tei:div2 or self::tei:div3 or self::tei:div4
                  or self::tei:div5 or self::tei:div6 or self::tei:div7)
                 and not(@type = ('source', 'author', 'colophon'))))])"/>
  </xsl:function>

  <!-- Whether a document is one of $documents: the same node, or read from the same file. -->
  <xsl:function name="tk:among" as="xs:boolean">
    <xsl:param name="tei" as="element(tei:TEI)"/>
    <xsl:param name="documents" as="element(tei:TEI)*"/>
    <xsl:sequence select="some $d in $documents
        satisfies ($d is $tei or base-uri($d) eq base-uri($tei))"/>
  </xsl:function>

  <xsl:template name="tk:title-page">
    <xsl:param name="title" as="xs:string"/>
    <xsl:param name="source" as="element(tei:TEI)?"/>
    <xsl:variable name="bibl" as="element(tei:bibl)?"
        select="($source/tei:teiHeader/tei:fileDesc/tei:sourceDesc/tei:bibl)[1]"/>
    <xsl:variable name="publisher" as="element()*"
        select="$source/tei:teiHeader/tei:fileDesc/tei:publicationStmt/tei:publisher[normalize-space()]"/>
    <xsl:text>#page(header: none, footer: none)[#align(center + horizon)[&#10;</xsl:text>
    <xsl:text>#text(size: 22pt)[</xsl:text>
    <xsl:value-of select="tk:typst-escape($title)"/>
    <xsl:text>]&#10;&#10;#v(2em)&#10;</xsl:text>
    <xsl:if test="$bibl">
      <xsl:text>#text(size: 10pt)[</xsl:text>
      <xsl:apply-templates select="$bibl/node()"/>
      <xsl:text>]&#10;&#10;</xsl:text>
    </xsl:if>
    <xsl:if test="exists($publisher)">
      <xsl:text>#v(1em)&#10;#text(size: 10pt)[</xsl:text>
      <xsl:for-each select="$publisher">
        <xsl:if test="position() gt 1">, </xsl:if>
        <xsl:apply-templates/>
      </xsl:for-each>
      <xsl:text>]&#10;</xsl:text>
    </xsl:if>
    <xsl:text>]]&#10;</xsl:text>
  </xsl:template>

  <!-- ========================================================== preamble -->

  <!-- Document metadata, page setup and the tk- helper functions the body uses. -->
  <xsl:template name="tk:preamble">
    <xsl:param name="title" as="xs:string"/>
    <xsl:param name="authors" as="xs:string*"/>
    <xsl:param name="description" as="xs:string?"/>
    <xsl:param name="keywords" as="xs:string*"/>
    <xsl:param name="lang" as="xs:string?"/>
    <xsl:if test="not(matches($paper, '^[a-z0-9\-]+$'))">
      <xsl:sequence select="tk:fail('bad-param', 'paper must be a Typst paper name such as a4')"/>
    </xsl:if>
    <xsl:text>// Typst source written by teikit (xslt/print). TEI text is escaped; regenerate, do not edit.&#10;</xsl:text>
    <xsl:text>#set document(title: </xsl:text>
    <xsl:value-of select="tk:typst-string($title)"/>
    <xsl:text>, author: (</xsl:text>
    <xsl:value-of select="string-join($authors[normalize-space()] ! (tk:typst-string(.) || ','), ' ')"/>
    <xsl:text>), description: </xsl:text>
    <xsl:value-of select="tk:typst-string(($description[normalize-space()], $title)[1])"/>
    <xsl:text>, keywords: (</xsl:text>
    <xsl:value-of select="string-join($keywords[normalize-space()] ! (tk:typst-string(.) || ','), ' ')"/>
    <xsl:text>), date: auto)&#10;</xsl:text>
    <xsl:text>#set text(font: </xsl:text>
    <xsl:value-of select="tk:typst-string($font)"/>
    <xsl:text>, size: </xsl:text>
    <xsl:value-of select="$font-size"/>
    <xsl:text>pt, lang: </xsl:text>
    <xsl:value-of select="tk:typst-string((tk:typst-lang($lang), tk:typst-lang($default-lang), 'en')[1])"/>
    <xsl:text>, hyphenate: </xsl:text>
    <xsl:value-of select="if ($hyphenate) then 'auto' else 'false'"/>
    <xsl:text>)&#10;</xsl:text>
    <xsl:text><![CDATA[#let tk-running-head = context {
  let pg = here().page()
  let marks = query(<tk-running>)
  if not marks.any(m => m.location().page() == pg) {
    let before = marks.filter(m => m.location().page() < pg)
    if before.len() > 0 {
      set text(size: 0.8em, style: "italic")
      before.last().value
      h(1fr)
      counter(page).display()
    }
  }
}
#let tk-page-foot(extra) = context {
  let pg = here().page()
  if query(<tk-running>).any(m => m.location().page() == pg) {
    set text(size: 0.8em)
    align(center, counter(page).display())
  }
  extra
}
#let tk-kicker(body) = block(above: 0.6em, below: 0.5em, text(size: 0.8em, tracking: 0.06em, body))
#let tk-title(body) = block(above: 0.4em, below: 1.1em, text(size: 1.1em, style: "italic", body))
#let tk-label(body) = text(weight: "bold", body)
#let tk-meta(..cells) = block(width: 100%, fill: luma(244), inset: 8pt, radius: 2pt, above: 0.6em, below: 1.4em,
  text(size: 0.82em, grid(columns: (auto, 1fr), column-gutter: 10pt, row-gutter: 6pt, ..cells)))
#let tk-opener(body) = block(above: 1.2em, below: 1.2em, body)
#let tk-closer(body) = block(above: 1.2em, below: 1.2em, body)
#let tk-salute(body) = block(above: 0.5em, below: 0.5em, emph(body))
#let tk-line(body) = block(above: 0.5em, below: 0.5em, body)
#let tk-signed(body) = block(above: 0.6em, below: 0.6em, width: 100%, align(right, body))
#let tk-dateline(body) = block(above: 0.6em, below: 0.6em, width: 100%, align(right, body))
#let tk-byline(body) = block(above: 0.4em, below: 1.2em, emph(body))
#let tk-source(body) = block(above: 1.8em, text(size: 0.85em, body))
#let tk-milestone(body) = block(above: 1em, below: 1em, width: 100%, align(center, body))
#let tk-head(body) = block(above: 1.2em, below: 0.8em, text(weight: "bold", body))
#let tk-entry(body) = block(above: 0.3em, below: 0.9em, text(size: 0.92em, body))
#let tk-pb(n, inline) = {
  if inline { text(fill: luma(150))[|] }
  context {
    let x = here().position().x
    box(width: 0pt, place(top + left, dx: 8mm - x, dy: -0.7em,
      box(width: 15mm, align(right, text(size: 7pt, fill: luma(90), style: "normal", weight: "regular", tracking: 0pt)[\[p. #n\]]))))
  }
}
#let tk-noteref(n, target, editorial: false) = super(link(target, if editorial { emph(n) } else { n }))
#let tk-endnote(n, editorial: false, body) = block(above: 0.3em, below: 0.5em, text(size: 0.9em)[#box(width: 1.6em, if editorial { emph(n) } else { strong(n) })#body])
#let tk-apparatus-intro(body) = block(above: 0.2em, below: 0.6em, text(size: 0.82em, style: "italic", body))
#let tk-apparatus-entry(where, body) = block(above: 0.3em, below: 0.4em, text(size: 0.9em)[#box(width: 4.5em, where)#body])
#let tk-value(name, body) = block(above: 0.25em, below: 0.25em, text(size: 0.9em)[#box(width: 8.5em, raw(name)) #body])
#let tk-sp(body) = block(above: 0.8em, below: 0.8em, width: 100%, body)
#let tk-speaker(body) = block(above: 0.8em, below: 0.3em, sticky: true, text(weight: "bold", body))
#let tk-stage(body) = block(above: 0.5em, below: 0.5em, emph(body))
#let tk-lg(body) = block(above: 0.9em, below: 0.9em, body)
#let tk-l(n: none, indent: false, body) = block(above: 0.3em, below: 0.3em, width: 100%, {
  set par(justify: false, first-line-indent: 0pt, hanging-indent: 1.5em)
  if n != none { place(left, dx: -2.4em, text(size: 0.75em, fill: luma(90), n)) }
  if indent { h(2em) }
  body
})
#let tk-figure(body) = block(above: 1em, below: 1em, width: 100%, inset: 6pt, stroke: 0.4pt + luma(180), text(size: 0.9em, body))
#set par(justify: true, leading: 0.62em, spacing: 0.85em)
#set heading(numbering: none)
#show heading.where(level: 1, outlined: true): it => {
  pagebreak(weak: true)
  block(above: 0pt, below: 0.7em, text(size: 1.5em, weight: "regular", it.body))
}
#show heading.where(level: 2): set text(size: 1.15em)
#show heading.where(level: 3): set text(size: 1em)
#set footnote.entry(separator: line(length: 30%, stroke: 0.5pt))
#show footnote.entry: set text(size: 0.82em)
]]></xsl:text>
    <xsl:text>#set page(paper: </xsl:text>
    <xsl:value-of select="tk:typst-string($paper)"/>
    <xsl:text>, margin: (x: 25mm, top: 27mm, bottom: 25mm), header: tk-running-head, footer: tk-page-foot[</xsl:text>
    <xsl:call-template name="tk:hook-footer"/>
    <xsl:text>])&#10;</xsl:text>
    <xsl:call-template name="tk:hook-head"/>
  </xsl:template>

  <!-- ===================================================== hook templates -->

  <!-- Extra Typst preamble (set and show rules) after teikit's own. Default: none. -->
  <xsl:template name="tk:hook-head"/>

  <!-- Typst markup before the first part. Default: none. -->
  <xsl:template name="tk:hook-before-body"/>

  <!-- Typst markup after the last part. Default: none. -->
  <xsl:template name="tk:hook-after-body"/>

  <!-- Typst markup added to the footer of pages where a part starts. Default: none. -->
  <xsl:template name="tk:hook-footer"/>

  <!-- ==================================================== PDF metadata -->

  <!-- PDF authors: titleStmt/author, else the sender of a letter. -->
  <xsl:function name="tk:authors" as="xs:string*">
    <xsl:param name="tei" as="element(tei:TEI)"/>
    <xsl:variable name="header" as="element(tei:teiHeader)" select="$tei/tei:teiHeader"/>
    <xsl:variable name="authors" as="element()*" select="$header/tei:fileDesc/tei:titleStmt/tei:author"/>
    <xsl:variable name="senders" as="element()*" select="$header/tei:profileDesc/tei:correspDesc
        /tei:correspAction[@type = 'sent']/(tei:persName | tei:orgName | tei:name)"/>
    <xsl:sequence select="distinct-values((if (exists($authors)) then $authors else $senders)
        ! tk:plain(.))[normalize-space()]"/>
  </xsl:function>

  <!-- PDF subject: the archival summary, else the main title. -->
  <xsl:function name="tk:description" as="xs:string">
    <xsl:param name="tei" as="element(tei:TEI)"/>
    <xsl:sequence select="(($tei/tei:teiHeader/tei:fileDesc/tei:sourceDesc/tei:msDesc[1]/tei:msContents/tei:summary)[1]
        ! tk:plain(.), tk:title($tei))[normalize-space()][1]"/>
  </xsl:function>

  <!-- PDF keywords: textClass keywords, correspondents, and the kind of document. -->
  <xsl:function name="tk:keywords" as="xs:string*">
    <xsl:param name="tei" as="element(tei:TEI)"/>
    <xsl:variable name="profile" as="element(tei:profileDesc)*" select="$tei/tei:teiHeader/tei:profileDesc"/>
    <xsl:sequence select="distinct-values((
        $profile/tei:textClass/tei:keywords/tei:term ! tk:plain(.),
        $profile/tei:correspDesc/tei:correspAction/(tei:persName | tei:orgName | tei:name)
            ! (tk:mention-entry(.) ! tk:entity-name(.), tk:plain(.))[1],
        if (tk:kind($tei) = 'letter') then 'letter' else ()))[normalize-space()]"/>
  </xsl:function>

</xsl:stylesheet>

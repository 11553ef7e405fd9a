<?xml version="1.0" encoding="UTF-8"?>
<!--
  teikit HTML: core.xsl (TEI chapter "Elements Available in All TEI Documents")
  ============================================================================
  Paragraphs, highlighting (@rend, @rendition, @style as tk-rend-* classes),
  quotations and citations, titles, dates and times, pointers and links,
  lists of every type (bulleted, ordered, simple, inline, gloss lists of
  label/item pairs), verse (lg, l), line and page breaks (with the
  facsimile link of pb/@facs) and milestones, and notes: by @place, inline
  and marginal notes stay in the text, all others get a numbered marker and
  an entry in the notes section with back-links at the end of the page.
  Included by html.xsl; relies on its modes and on common/functions.xsl.
-->
<xsl:stylesheet version="3.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:tei="http://www.tei-c.org/ns/1.0"
    xmlns:tk="https://teikit.org/ns/xslt"
    exclude-result-prefixes="#all">

  <!-- ========================================================== blocks -->

  <!-- A paragraph; a <div> when it holds blocks (lists, tables, figures, verse …),
       which an HTML <p> cannot. -->
  <xsl:template match="tei:p | tei:ab">
    <xsl:element name="{if (tk:holds-blocks(.)) then 'div' else 'p'}">
      <xsl:call-template name="tk:attributes">
        <xsl:with-param name="class" select="'tk-ab'[current()/self::tei:ab]"/>
      </xsl:call-template>
      <xsl:apply-templates/>
    </xsl:element>
  </xsl:template>

  <!-- A quotation set off from the text (not inside a paragraph or line). -->
  <xsl:template match="tei:quote[tk:is-block(.)]">
    <blockquote>
      <xsl:call-template name="tk:attributes">
        <xsl:with-param name="class" select="'tk-quote'"/>
      </xsl:call-template>
      <xsl:apply-templates/>
    </blockquote>
  </xsl:template>

  <!-- A citation: the quotation with its source. Set off from the text it is a
       figure with the source as caption; in running text, the source follows in
       parentheses. -->
  <xsl:template match="tei:cit">
    <xsl:variable name="quoted" as="element()*" select="tei:quote | tei:q"/>
    <xsl:variable name="source" as="element()*" select="* except ($quoted | tei:note | tei:ptr)"/>
    <xsl:choose>
      <xsl:when test="tk:is-block(.)">
        <figure>
          <xsl:call-template name="tk:attributes">
            <xsl:with-param name="class" select="'tk-cit'"/>
          </xsl:call-template>
          <blockquote class="tk-quote">
            <xsl:for-each select="$quoted">
              <xsl:call-template name="tk:lang-attribute"/>
              <xsl:apply-templates/>
            </xsl:for-each>
          </blockquote>
          <xsl:if test="exists($source)">
            <figcaption class="tk-cit-source">
              <xsl:apply-templates select="$source"/>
            </figcaption>
          </xsl:if>
          <xsl:apply-templates select="tei:note | tei:ptr"/>
        </figure>
      </xsl:when>
      <xsl:otherwise>
        <span>
          <xsl:call-template name="tk:attributes">
            <xsl:with-param name="class" select="'tk-cit'"/>
          </xsl:call-template>
          <xsl:apply-templates select="$quoted"/>
          <xsl:if test="exists($source)">
            <xsl:text> (</xsl:text>
            <span class="tk-cit-source"><xsl:apply-templates select="$source"/></span>
            <xsl:text>)</xsl:text>
          </xsl:if>
          <xsl:apply-templates select="tei:note | tei:ptr"/>
        </span>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- ============================================================ lists -->

  <!-- Lists of every type: ordered (@type or @rend ordered, numbered …), simple
       (no markers), inline (items run on in the text), gloss (label/item pairs,
       a description list); anything else is a bulleted list. -->
  <xsl:template match="tei:list">
    <xsl:variable name="kind" as="xs:string" select="tk:list-kind(.)"/>
    <xsl:apply-templates select="tei:head"/>
    <xsl:choose>
      <xsl:when test="$kind = 'gloss'">
        <dl>
          <xsl:call-template name="tk:attributes">
            <xsl:with-param name="class" select="'tk-list tk-list-gloss'"/>
          </xsl:call-template>
          <xsl:for-each select="tei:headLabel | tei:headItem">
            <xsl:element name="{if (self::tei:headLabel) then 'dt' else 'dd'}">
              <xsl:attribute name="class" select="'tk-' || local-name()"/>
              <xsl:apply-templates/>
            </xsl:element>
          </xsl:for-each>
          <xsl:for-each select="tei:item">
            <xsl:variable name="label" as="element(tei:label)?"
                select="preceding-sibling::*[1][self::tei:label]"/>
            <dt>
              <xsl:call-template name="tk:attributes">
                <xsl:with-param name="node" select="($label, .)[1]"/>
              </xsl:call-template>
              <xsl:apply-templates select="$label/node()"/>
              <xsl:if test="empty($label)"><xsl:value-of select="@n"/></xsl:if>
            </dt>
            <dd>
              <xsl:call-template name="tk:attributes">
                <xsl:with-param name="id" select="not($label/@xml:id)"/>
              </xsl:call-template>
              <xsl:apply-templates/>
            </dd>
          </xsl:for-each>
        </dl>
      </xsl:when>
      <xsl:when test="$kind = 'inline'">
        <span>
          <xsl:call-template name="tk:attributes">
            <xsl:with-param name="class" select="'tk-list tk-list-inline'"/>
          </xsl:call-template>
          <xsl:for-each select="tei:item">
            <xsl:if test="position() gt 1"><xsl:text> </xsl:text></xsl:if>
            <span>
              <xsl:call-template name="tk:attributes">
                <xsl:with-param name="class" select="'tk-item'"/>
              </xsl:call-template>
              <xsl:apply-templates select="preceding-sibling::*[1][self::tei:label]"/>
              <xsl:if test="@n and not(preceding-sibling::*[1][self::tei:label])">
                <span class="tk-item-n"><xsl:value-of select="@n"/></span>
                <xsl:text> </xsl:text>
              </xsl:if>
              <xsl:apply-templates/>
            </span>
          </xsl:for-each>
        </span>
      </xsl:when>
      <xsl:otherwise>
        <xsl:element name="{if ($kind = 'ordered') then 'ol' else 'ul'}">
          <xsl:call-template name="tk:attributes">
            <xsl:with-param name="class" select="'tk-list tk-list-' || $kind"/>
          </xsl:call-template>
          <xsl:apply-templates select="tei:item"/>
        </xsl:element>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template match="tei:item">
    <li>
      <xsl:call-template name="tk:attributes"/>
      <xsl:if test="@n and not(tk:list-kind(..) = 'ordered')">
        <span class="tk-item-n"><xsl:value-of select="@n"/></span>
        <xsl:text> </xsl:text>
      </xsl:if>
      <xsl:apply-templates select="preceding-sibling::*[1][self::tei:label]"/>
      <xsl:apply-templates/>
    </li>
  </xsl:template>

  <!-- A label outside a gloss list (before an item, or in running text). -->
  <xsl:template match="tei:label">
    <span>
      <xsl:call-template name="tk:attributes">
        <xsl:with-param name="class" select="'tk-label'"/>
      </xsl:call-template>
      <xsl:apply-templates/>
    </span>
    <xsl:if test="following-sibling::*[1][self::tei:item]"><xsl:text> </xsl:text></xsl:if>
  </xsl:template>

  <!-- Labels of list items are written with their item. -->
  <xsl:template match="tei:list/tei:label[following-sibling::*[1][self::tei:item]]" priority="1"/>

  <!-- ============================================================ verse -->

  <xsl:template match="tei:lg">
    <div>
      <xsl:call-template name="tk:attributes">
        <xsl:with-param name="class" select="'tk-lg' || (if (@type) then ' tk-lg-' || tk:safe-id(@type) else '')"/>
      </xsl:call-template>
      <xsl:apply-templates/>
    </div>
  </xsl:template>

  <xsl:template match="tei:lg/tei:head">
    <p>
      <xsl:call-template name="tk:attributes">
        <xsl:with-param name="class" select="'tk-head'"/>
      </xsl:call-template>
      <xsl:apply-templates/>
    </p>
  </xsl:template>

  <!-- A verse line: a block of its own; its number (@n) in the margin every fifth line. -->
  <xsl:template match="tei:l">
    <span>
      <xsl:call-template name="tk:attributes">
        <xsl:with-param name="class" select="'tk-l' || (if (@part) then ' tk-l-part-' || tk:safe-id(@part) else '')"/>
      </xsl:call-template>
      <xsl:if test="tk:show-line-number(.)">
        <span class="tk-l-n" aria-hidden="true"><xsl:value-of select="normalize-space(@n)"/></span>
      </xsl:if>
      <xsl:apply-templates/>
    </span>
  </xsl:template>

  <xsl:template match="tei:milestone[@unit = 'section']">
    <p class="tk-milestone" role="separator">
      <xsl:value-of select="(normalize-space(@rend)[. ne ''], '* * *')[1]"/>
    </p>
  </xsl:template>

  <xsl:template match="tei:milestone"/>

  <!-- ========================================================== inline -->

  <xsl:template match="tei:lb">
    <br/>
  </xsl:template>

  <!-- Page breaks by their number, in document order. -->
  <xsl:key name="tk:page" match="tei:text//tei:pb[normalize-space(@n)]" use="normalize-space(@n)"/>

  <!-- A page break of the source: a citable marker ("[p. 316]") with an anchor,
       set in the margin by teikit.css, and a bar where it falls within a line;
       the facsimile is linked when there is one. -->
  <xsl:template match="tei:pb">
    <xsl:variable name="facs" as="xs:string?" select="tk:facsimile-url(.)"/>
    <xsl:variable name="n" as="xs:string" select="normalize-space(@n)"/>
    <!-- Where in the line the page breaks: a bar, for the eye only. -->
    <xsl:if test="$n ne '' and (ancestor::tei:p or ancestor::tei:note or ancestor::tei:head)">
      <span class="tk-pb-bar" aria-hidden="true">|</span>
    </xsl:if>
    <xsl:choose>
      <!-- the anchor of a page is its first break with that number (a source may repeat one) -->
      <xsl:when test="$n ne '' and key('tk:page', $n)[1] is .">
        <a class="tk-pb" id="{tk:safe-id('page-' || $n)}" href="#{tk:safe-id('page-' || $n)}"
            title="{tk:msg('pb.title', map {'n': $n})}">
          <xsl:value-of select="'[' || tk:msg('pb.page') || $n || ']'"/>
        </a>
      </xsl:when>
      <xsl:when test="$n ne ''">
        <span class="tk-pb" title="{tk:msg('pb.title', map {'n': $n})}">
          <xsl:value-of select="'[' || tk:msg('pb.page') || $n || ']'"/>
        </span>
      </xsl:when>
      <xsl:otherwise>
        <span class="tk-pb" title="{tk:msg('pb.title.unnumbered')}"><xsl:value-of select="tk:msg('pb.marker')"/></span>
      </xsl:otherwise>
    </xsl:choose>
    <xsl:if test="exists($facs)">
      <a class="tk-facs" href="{$facs}">facsimile</a>
    </xsl:if>
  </xsl:template>

  <!-- Highlighting: sup/sub/i/b/u/s for the first token that has an HTML element,
       tk-rend-* classes for all (teikit.css styles them). -->
  <xsl:template match="tei:hi">
    <xsl:variable name="tokens" as="xs:string*" select="tk:rend-tokens(.)"/>
    <xsl:element name="{($tokens ! map {'superscript': 'sup', 'subscript': 'sub', 'italic': 'i',
        'bold': 'b', 'underline': 'u', 'strikethrough': 's'}(.), 'span')[1]}">
      <xsl:call-template name="tk:attributes">
        <xsl:with-param name="class" select="'tk-hi'"/>
      </xsl:call-template>
      <xsl:apply-templates/>
    </xsl:element>
  </xsl:template>

  <xsl:template match="tei:emph">
    <em>
      <xsl:call-template name="tk:lang-attribute"/>
      <xsl:apply-templates/>
    </em>
  </xsl:template>

  <xsl:template match="tei:foreign | tei:term">
    <i class="tk-{local-name()}">
      <xsl:call-template name="tk:lang-attribute"/>
      <xsl:apply-templates/>
    </i>
  </xsl:template>

  <!-- Quotations in running text: <q>, whose quotation marks teikit.css leaves
       out when the source has its own (tk-marked). -->
  <xsl:template match="tei:q | tei:quote | tei:said | tei:soCalled">
    <q>
      <xsl:call-template name="tk:attributes">
        <xsl:with-param name="class" select="'tk-' || local-name()
            || (if (tk:has-own-marks(.)) then ' tk-marked' else '')"/>
      </xsl:call-template>
      <xsl:apply-templates/>
    </q>
  </xsl:template>

  <xsl:template match="tei:title">
    <cite class="tk-title tk-title-{(@level, 'm')[1]}">
      <xsl:call-template name="tk:lang-attribute"/>
      <xsl:apply-templates/>
    </cite>
  </xsl:template>

  <!-- Dates and times: <time datetime> when the value is a W3C date, time or
       dateTime (a range or an uncertain date shows its bounds in title="");
       an empty element shows its value. -->
  <xsl:template match="tei:date | tei:time">
    <xsl:variable name="iso" as="xs:string?" select="tk:machine-date(.)"/>
    <xsl:variable name="range" as="xs:string?" select="tk:date-range(.)"/>
    <xsl:element name="{if (exists($iso)) then 'time' else 'span'}">
      <xsl:call-template name="tk:attributes">
        <xsl:with-param name="class" select="'tk-' || local-name()"/>
      </xsl:call-template>
      <xsl:if test="exists($iso)">
        <xsl:attribute name="datetime" select="$iso"/>
      </xsl:if>
      <xsl:if test="exists($range)">
        <xsl:attribute name="title" select="$range"/>
      </xsl:if>
      <xsl:apply-templates/>
      <xsl:if test="not(normalize-space())">
        <xsl:value-of select="($iso, $range, normalize-space(@when-iso))[1]"/>
      </xsl:if>
    </xsl:element>
  </xsl:template>

  <xsl:template match="tei:idno | tei:num | tei:measure | tei:seg | tei:abbr[not(parent::tei:choice)]
      | tei:expan[not(parent::tei:choice)] | tei:biblScope | tei:edition | tei:publisher
      | tei:pubPlace | tei:author[not(ancestor::tei:teiHeader)] | tei:editor[not(ancestor::tei:teiHeader)]
      | tei:bibl | tei:biblStruct | tei:address | tei:addrLine">
    <span>
      <xsl:call-template name="tk:attributes">
        <xsl:with-param name="class" select="'tk-' || local-name()
            || (if (@type) then ' tk-' || local-name() || '-' || tk:safe-id(@type) else '')"/>
      </xsl:call-template>
      <xsl:apply-templates/>
    </span>
    <xsl:if test="self::tei:addrLine and following-sibling::tei:addrLine"><br/></xsl:if>
  </xsl:template>

  <!-- An identifier that is a URL (GND, Wikidata, a handle …) links there. -->
  <xsl:template match="tei:idno[tk:is-url(.)][not(ancestor::tei:ref[@target])]">
    <xsl:variable name="href" as="xs:string?" select="tk:safe-url(normalize-space(.), .)"/>
    <a href="{$href}">
      <xsl:call-template name="tk:attributes">
        <xsl:with-param name="class" select="'tk-idno' || (if (@type) then ' tk-idno-' || tk:safe-id(@type) else '')"/>
      </xsl:call-template>
      <xsl:value-of select="$href"/>
    </a>
  </xsl:template>

  <!-- A point in the text other elements refer to (notes, apparatus, links). -->
  <xsl:template match="tei:anchor">
    <xsl:if test="@xml:id">
      <span class="tk-anchor" id="{tk:safe-id(@xml:id)}"></span>
    </xsl:if>
  </xsl:template>

  <!-- Element and attribute names and values, as the Guidelines write them. -->
  <xsl:template match="tei:gi | tei:att | tei:val | tei:code | tei:ident">
    <code class="tk-{local-name()}"><xsl:value-of select="tk:documentation-form(.)"/></code>
  </xsl:template>

  <!-- ================================================== links and pointers -->

  <!-- The href for a TEI pointer (the first, when it lists several), or ()
       (with a warning) when it is unsafe. -->
  <xsl:function name="tk:href" as="xs:string?">
    <xsl:param name="attribute" as="attribute()?"/>
    <xsl:variable name="url" as="xs:string?" select="tk:first-url($attribute)"/>
    <xsl:sequence select="if ($rewrite-xml-links and exists($url)) then tk:xml-to-html($url) else $url"/>
  </xsl:function>

  <!-- Where a ref or ptr links to, or () when nothing on or off the page would
       answer: "#x" only when this page shows x with an id; other relative
       targets only when they look like a path or file ("L00407" and
       "1894-11-26" are identifiers, not URLs). -->
  <xsl:function name="tk:link-target" as="xs:string?">
    <xsl:param name="attribute" as="attribute()?"/>
    <xsl:variable name="href" as="xs:string?" select="tk:href($attribute)"/>
    <xsl:sequence select="
        if (empty($href)) then ()
        else if (starts-with($href, '#')) then tk:local-target(substring($href, 2), $attribute)
        else if (exists(tk:url-scheme($href)) or tk:is-path($href)) then $href
        else ()"/>
  </xsl:function>

  <!-- "#id" of the element with xml:id $id in the pointer's document, if the page shows it with that id. -->
  <xsl:function name="tk:local-target" as="xs:string?">
    <xsl:param name="id" as="xs:string"/>
    <xsl:param name="pointer" as="node()"/>
    <xsl:variable name="target" as="element()?" select="if (root($pointer) instance of document-node())
        then key('tk:id', $id, root($pointer))[1] else ()"/>
    <xsl:sequence select="$target[tk:has-anchor(.)] ! ('#' || tk:anchor-id(.))"/>
  </xsl:function>

  <xsl:template match="tei:ref">
    <xsl:variable name="href" as="xs:string?" select="tk:link-target(@target)"/>
    <xsl:choose>
      <xsl:when test="exists($href) and not(ancestor::tei:ref or ancestor::*[(@ref or @key) and tk:links(.)])">
        <a href="{$href}">
          <xsl:call-template name="tk:attributes">
            <xsl:with-param name="class" select="'tk-ref'"/>
          </xsl:call-template>
          <xsl:apply-templates/>
        </a>
      </xsl:when>
      <xsl:otherwise>
        <span>
          <xsl:call-template name="tk:attributes">
            <xsl:with-param name="class" select="'tk-ref'"/>
          </xsl:call-template>
          <xsl:apply-templates/>
        </span>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- A bare pointer shows where it points: the URL, or the label of the note
       or the heading it points to on this page. -->
  <xsl:template match="tei:ptr">
    <xsl:variable name="href" as="xs:string?" select="tk:link-target(@target)"/>
    <xsl:variable name="target" as="element()?" select="if (starts-with(string($href), '#'))
        then key('tk:id', tk:ref-id(@target), root(.))[1] else ()"/>
    <xsl:if test="exists($href) and not(ancestor::tei:ref or ancestor::*[(@ref or @key) and tk:links(.)])">
      <a class="tk-ptr" href="{$href}">
        <xsl:value-of select="if ($target/self::tei:note) then tk:note-label($target)
            else if (exists($target)) then (tk:text($target/tei:head[1])[. ne ''], '↑')[1]
            else $href"/>
      </a>
    </xsl:if>
  </xsl:template>

  <!-- ============================================================= notes -->

  <!-- In the text: a numbered marker linking to the note, with an id to link back to.
       The editors' notes (type editorial) are lettered, and belong to the reading
       view only: they are not part of the printed text. -->
  <!-- (Notes of register entries are shown with the entry, see namesdates.xsl.) -->
  <xsl:template match="tei:text//tei:note[tk:note-kind(.) = 'entry']" priority="2">
    <xsl:apply-templates/>
  </xsl:template>

  <xsl:template match="tei:text//tei:note">
    <xsl:variable name="id" as="xs:string" select="tk:note-id(.)"/>
    <xsl:variable name="label" as="xs:string" select="tk:note-marker(.)"/>
    <sup class="tk-noteref{if (@type = 'editorial') then ' tk-noteref-editorial tk-reading' else ''}">
      <a id="noteref-{$id}" href="#{$id}" role="doc-noteref"
          aria-label="{tk:msg(if (@type = 'editorial') then 'notes.editorial.one' else 'notes.one')} {$label}">
        <xsl:value-of select="$label"/>
      </a>
    </sup>
  </xsl:template>

  <!-- Notes the source has in the line or between the lines (@place inline,
       above, below …) stay where they are, set off; marginal notes too, floated
       to the side by teikit.css. Neither is numbered. -->
  <xsl:template match="tei:text//tei:note[tk:note-kind(.) = ('inline', 'margin')]" priority="1">
    <span role="note">
      <xsl:call-template name="tk:attributes">
        <xsl:with-param name="class" select="'tk-note-' || tk:note-kind(.)
            || (if (@place) then ' tk-place-' || tk:safe-id(@place) else '')"/>
      </xsl:call-template>
      <xsl:if test="tk:note-kind(.) = 'inline'"><xsl:text> (</xsl:text></xsl:if>
      <xsl:apply-templates/>
      <xsl:if test="tk:note-kind(.) = 'inline'"><xsl:text>) </xsl:text></xsl:if>
    </span>
  </xsl:template>

  <!-- In the header (metadata panel): notes stay inline, in parentheses. -->
  <xsl:template match="tei:teiHeader//tei:note">
    <span class="tk-note-inline">
      <xsl:text> (</xsl:text>
      <xsl:apply-templates/>
      <xsl:text>)</xsl:text>
    </span>
  </xsl:template>

  <!-- The notes, after the text: those of the source, then the editors' notes. -->
  <xsl:template name="tk:notes">
    <xsl:param name="tei" as="element(tei:TEI)"/>
    <xsl:variable name="notes" as="element(tei:note)*"
        select="$tei/tei:text//tei:note[tk:note-kind(.) = 'end']"/>
    <xsl:variable name="source-notes" as="element(tei:note)*" select="$notes[not(@type = 'editorial')]"/>
    <xsl:variable name="editorial" as="element(tei:note)*" select="$notes[@type = 'editorial']"/>
    <xsl:if test="exists($source-notes)">
      <section class="tk-notes" aria-labelledby="tk-notes-heading" role="doc-endnotes">
        <h2 id="tk-notes-heading"><xsl:value-of select="tk:msg('notes.heading')"/></h2>
        <ol class="tk-notes-list">
          <xsl:apply-templates select="$source-notes" mode="tk:notes"/>
        </ol>
      </section>
    </xsl:if>
    <xsl:if test="exists($editorial)">
      <section class="tk-notes tk-notes-editorial tk-reading" aria-labelledby="tk-editorial-notes-heading">
        <h2 id="tk-editorial-notes-heading"><xsl:value-of select="tk:msg('notes.editorial')"/></h2>
        <p class="tk-notes-intro"><xsl:value-of select="tk:msg('notes.editorial.intro')"/></p>
        <ol class="tk-notes-list">
          <xsl:apply-templates select="$editorial" mode="tk:notes"/>
        </ol>
      </section>
    </xsl:if>
  </xsl:template>

  <xsl:template match="tei:note" mode="tk:notes">
    <xsl:variable name="id" as="xs:string" select="tk:note-id(.)"/>
    <xsl:variable name="label" as="xs:string" select="tk:note-marker(.)"/>
    <li id="{$id}" class="tk-note{if (@type) then ' tk-note-' || tk:safe-id(@type) else ''}" role="doc-endnote">
      <xsl:call-template name="tk:lang-attribute"/>
      <span class="tk-note-label"><xsl:value-of select="$label"/></span>
      <xsl:text> </xsl:text>
      <span class="tk-note-body"><xsl:apply-templates/></span>
      <xsl:text> </xsl:text>
      <a class="tk-backlink" href="#noteref-{$id}" role="doc-backlink"
          aria-label="{tk:msg('notes.back', map {'label': $label})}">↩</a>
    </li>
  </xsl:template>

</xsl:stylesheet>

<?xml version="1.0" encoding="UTF-8"?>
<!--
  teikit common layer: functions.xsl
  ==================================
  Typed helper functions in the tk: namespace, used by every output format:

    text        tk:squash, tk:text, tk:name-text
    ids         tk:safe-id, tk:note-id, tk:note-label, tk:note-marker,
                tk:is-listed, tk:is-numbered, tk:is-lettered
    URLs        tk:url-scheme, tk:url-is-safe, tk:safe-url, tk:first-url, tk:xml-to-html
    resources   tk:resource-url, tk:facsimile-url, tk:image-url (images and facsimiles)
    register    tk:mention-id, tk:mention-entry, tk:mention-record, tk:local-entry,
                tk:entity-kind, tk:entity-name, tk:entity-note, tk:entity-dates,
                tk:resp-label, tk:reason-label (pointers are resolved by teikit's edition
                model, passed in as $entities; tk:ref-id is the fallback outside teikit)
    documents   tk:title, tk:short-title, tk:kind, tk:edition-title (teikit's answers,
                passed in as parameters), tk:series-title, tk:sent-date, tk:lang,
                tk:title-div, tk:main-heads, template tk:check-ref
    layout      tk:list-kind, tk:is-block, tk:note-kind, tk:machine-date, tk:has-own-marks …
    Typst       tk:typst-escape, tk:typst-string, tk:typst-label, tk:typst-lang

  Security rules implemented here (and only here):
  * a URL is emitted only when its scheme is http, https or mailto, or when it
    is relative (not network-path "//host"); anything else is dropped with a
    tk:unsafe-url warning;
  * TEI text reaches Typst only through tk:typst-escape (markup) or
    tk:typst-string (string literals), so it can never become Typst code.
-->
<xsl:stylesheet version="3.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:tei="http://www.tei-c.org/ns/1.0"
    xmlns:tk="https://teikit.org/ns/xslt"
    xmlns:err="http://www.w3.org/2005/xqt-errors"
    exclude-result-prefixes="#all">

  <!-- ================================================================ text -->

  <!-- Every run of whitespace (including the Unicode line and paragraph
       separators Typst treats as newlines) becomes one space; ends are kept. -->
  <xsl:function name="tk:squash" as="xs:string">
    <xsl:param name="text" as="xs:string?"/>
    <!-- translate() first: a repeated character class costs Saxon's regex engine
         ten times as much, and this runs for every text node of a PDF. -->
    <xsl:variable name="spaced" as="xs:string"
        select="translate(string($text), '&#9;&#10;&#13;&#x85;&#x2028;&#x2029;', '      ')"/>
    <xsl:sequence select="if (contains($spaced, '  ')) then replace($spaced, '  +', ' ') else $spaced"/>
  </xsl:function>

  <!-- The whitespace-normalised text of a node ('' for none): for titles and
       labels, where any number of nodes may be given but one string is wanted. -->
  <xsl:function name="tk:text" as="xs:string">
    <xsl:param name="nodes" as="node()*"/>
    <xsl:sequence select="normalize-space(string-join($nodes ! string(.), ' '))"/>
  </xsl:function>

  <!-- ================================================================= ids -->

  <!-- An HTML id / Typst-safe token: ASCII letters, digits, "_", "-", ".";
       always starts with a letter. Deterministic, so links and targets agree. -->
  <xsl:function name="tk:safe-id" as="xs:string">
    <xsl:param name="value" as="xs:string?"/>
    <xsl:variable name="clean" as="xs:string"
        select="replace(normalize-space($value), '[^A-Za-z0-9_.\-]', '_')"/>
    <xsl:sequence select="if (matches($clean, '^[A-Za-z]')) then $clean else 'id-' || $clean"/>
  </xsl:function>

  <!-- Stable id of a note: its xml:id, else its position among the notes of <text>
       that are listed after the text (tk:note-kind "end"), in document order, a
       note inside another counted after it: unique, also for notes in notes. -->
  <xsl:function name="tk:note-id" as="xs:string">
    <xsl:param name="note" as="element(tei:note)"/>
    <xsl:sequence select="if ($note/@xml:id) then tk:safe-id($note/@xml:id)
        else 'note-' || tk:note-position($note, 'tk:end-notes')"/>
  </xsl:function>

  <!-- The visible note number: @n as printed, else the running position among
       the numbered notes (tk:is-numbered). -->
  <xsl:function name="tk:note-label" as="xs:string">
    <xsl:param name="note" as="element(tei:note)"/>
    <xsl:sequence select="if (normalize-space($note/@n)) then normalize-space($note/@n)
        else string(tk:note-number($note))"/>
  </xsl:function>

  <!-- Is this note listed after the text (HTML) or at the end of the part (print),
       lettered because it is the editors' (type editorial) and has no @n? -->
  <xsl:function name="tk:is-lettered" as="xs:boolean">
    <xsl:param name="note" as="element(tei:note)"/>
    <xsl:sequence select="$note/@type = 'editorial' and not(normalize-space($note/@n))
        and tk:note-kind($note) = 'end'"/>
  </xsl:function>

  <!-- Is this a note of <text> listed after it (tk:note-kind "end")? -->
  <xsl:function name="tk:is-listed" as="xs:boolean">
    <xsl:param name="note" as="element(tei:note)"/>
    <xsl:sequence select="exists($note/ancestor::tei:text) and tk:note-kind($note) = 'end'"/>
  </xsl:function>

  <!-- Is this a numbered note of <text>: listed after it and not lettered? -->
  <xsl:function name="tk:is-numbered" as="xs:boolean">
    <xsl:param name="note" as="element(tei:note)"/>
    <xsl:sequence select="tk:is-listed($note) and not(tk:is-lettered($note))"/>
  </xsl:function>

  <!-- The notes of <text> listed after it (ids) and the numbered ones among them
       (numbers), met so far in document order, counted once per document as the
       tree is built: a note's number is a look-up, not a count of the notes before
       it (which made numbering quadratic: 4,000 notes, 48 s). A note counts at its
       start, so a note inside another comes after it. -->
  <xsl:accumulator name="tk:end-notes" as="xs:integer" initial-value="0">
    <xsl:accumulator-rule match="tei:note[tk:is-listed(.)]" phase="start" select="$value + 1"/>
  </xsl:accumulator>
  <xsl:accumulator name="tk:numbered-notes" as="xs:integer" initial-value="0">
    <xsl:accumulator-rule match="tei:note[tk:is-numbered(.)]" phase="start" select="$value + 1"/>
  </xsl:accumulator>

  <!-- The position of a note among the numbered notes of <text> (inline and
       marginal notes are not numbered, see tk:note-kind; nor are the lettered
       editors' notes). -->
  <xsl:function name="tk:note-number" as="xs:integer">
    <xsl:param name="note" as="element(tei:note)"/>
    <xsl:sequence select="tk:note-position($note, 'tk:numbered-notes')"/>
  </xsl:function>

  <!-- A note's value of one of the two note accumulators above: the count of the
       notes it counts up to and including this one (plus one when it does not
       count this note: the number the next such note will have). -->
  <xsl:function name="tk:note-position" as="xs:integer">
    <xsl:param name="note" as="element(tei:note)"/>
    <xsl:param name="accumulator" as="xs:string"/>
    <xsl:variable name="numbered" as="xs:boolean" select="$accumulator = 'tk:numbered-notes'"/>
    <xsl:variable name="counted" as="xs:boolean"
        select="if ($numbered) then tk:is-numbered($note) else tk:is-listed($note)"/>
    <xsl:try>
      <xsl:sequence select="$note/accumulator-before($accumulator) + (if ($counted) then 0 else 1)"/>
      <!-- A tree the accumulator does not apply to (a mode without
           use-accumulators, a document given as a parameter): count. -->
      <xsl:catch errors="err:XTDE3362">
        <xsl:variable name="before" as="element(tei:note)*"
            select="$note/preceding::tei:note | $note/ancestor-or-self::tei:note"/>
        <xsl:sequence select="count(if ($numbered) then $before[tk:is-numbered(.)]
            else $before[tk:is-listed(.)]) + (if ($counted) then 0 else 1)"/>
      </xsl:catch>
    </xsl:try>
  </xsl:function>

  <!-- The lettered notes (tk:is-lettered) met since the last <text> began, as
       xsl:number level="any" from="tei:text" counts them, once per document. -->
  <xsl:accumulator name="tk:lettered-notes" as="xs:integer" initial-value="0">
    <xsl:accumulator-rule match="tei:text" phase="start" select="0"/>
    <xsl:accumulator-rule match="tei:note[tk:is-lettered(.)]" phase="start" select="$value + 1"/>
  </xsl:accumulator>

  <!-- The marker a note shows: the editors' notes (type editorial) without @n are
       lettered a, b, … in the order of the text, apart from the numbered notes of
       the source; other notes show tk:note-label. -->
  <xsl:function name="tk:note-marker" as="xs:string">
    <xsl:param name="note" as="element(tei:note)"/>
    <xsl:choose>
      <xsl:when test="tk:is-lettered($note)">
        <xsl:variable name="letter" as="xs:string">
          <xsl:try>
            <!-- what xsl:number level="any" from="tei:text" counts, looked up -->
            <xsl:number value="$note/accumulator-before('tk:lettered-notes')" format="a"/>
            <xsl:catch errors="err:XTDE3362">
              <xsl:number select="$note" level="any" from="tei:text"
                  count="tei:note[tk:is-lettered(.)]" format="a"/>
            </xsl:catch>
          </xsl:try>
        </xsl:variable>
        <xsl:sequence select="$letter"/>
      </xsl:when>
      <xsl:otherwise>
        <xsl:sequence select="tk:note-label($note)"/>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:function>

  <!-- ================================================================ URLs -->

  <!-- The URL scheme in lower case, or () for a relative reference. Control
       characters and whitespace are ignored first, as browsers do ("java\tscript:"). -->
  <xsl:function name="tk:url-scheme" as="xs:string?">
    <xsl:param name="url" as="xs:string"/>
    <xsl:variable name="compact" as="xs:string" select="replace($url, '[\p{Cc}\s]', '')"/>
    <xsl:sequence select="if (matches($compact, '^[A-Za-z][A-Za-z0-9+.\-]*:'))
        then lower-case(substring-before($compact, ':')) else ()"/>
  </xsl:function>

  <!-- True for http:, https:, mailto: and relative references; network-path
       references ("//host", "\\host") are refused: their scheme cannot be checked. -->
  <xsl:function name="tk:url-is-safe" as="xs:boolean">
    <xsl:param name="url" as="xs:string"/>
    <xsl:variable name="scheme" as="xs:string?" select="tk:url-scheme($url)"/>
    <xsl:sequence select="if (exists($scheme)) then $scheme = ('http', 'https', 'mailto')
        else not(matches(replace($url, '[\p{Cc}\s]', ''), '^[/\\][/\\]'))"/>
  </xsl:function>

  <!-- The trimmed URL if it is safe; otherwise () and a tk:unsafe-url warning
       located at $where (the attribute it came from). -->
  <xsl:function name="tk:safe-url" as="xs:string?">
    <xsl:param name="url" as="xs:string?"/>
    <xsl:param name="where" as="node()"/>
    <xsl:variable name="trimmed" as="xs:string" select="normalize-space($url)"/>
    <xsl:choose>
      <xsl:when test="$trimmed = ''"/>
      <xsl:when test="tk:url-is-safe($trimmed)">
        <xsl:sequence select="$trimmed"/>
      </xsl:when>
      <xsl:otherwise>
        <xsl:sequence select="tk:warn('unsafe-url',
            'dropped URL with scheme ' || (tk:url-scheme($trimmed), 'network-path')[1]
            || ': only http, https, mailto and relative URLs are emitted', $where)"/>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:function>

  <!-- The first URL of a pointer attribute (TEI pointers may list several),
       when the whole value is safe; otherwise () with a tk:unsafe-url warning. -->
  <xsl:function name="tk:first-url" as="xs:string?">
    <xsl:param name="attribute" as="attribute()?"/>
    <xsl:sequence select="$attribute ! tokenize(tk:safe-url(string(.), .), ' ')[1]"/>
  </xsl:function>

  <!-- Is this text an absolute http, https or mailto URL (and nothing else)? -->
  <xsl:function name="tk:is-url" as="xs:boolean">
    <xsl:param name="text" as="xs:string?"/>
    <xsl:sequence select="matches(normalize-space($text), '^(https?://|mailto:)\S+$', 'i')"/>
  </xsl:function>

  <!-- A relative link to another TEI file ("b.xml#x") pointed at its HTML page ("b.html#x"). -->
  <xsl:function name="tk:xml-to-html" as="xs:string">
    <xsl:param name="url" as="xs:string"/>
    <xsl:sequence select="if (empty(tk:url-scheme($url)))
        then replace($url, '\.xml(#.*)?$', '.html$1') else $url"/>
  </xsl:function>

  <!-- ========================================================= resources -->

  <!-- The URL of an image or facsimile as the output may use it, or () with a
       warning: safe schemes only (tk:safe-url); relative URLs resolved against
       $resource-base when one is given; a relative URL that is absolute on the
       file system ("/x") or climbs out of its folder ("../x") is never emitted
       (code tk:resource-outside): it could reach files outside the edition.
       The one place images and facsimiles get their URLs: a site that copies
       resources into place overrides this function. -->
  <xsl:function name="tk:resource-url" as="xs:string?">
    <xsl:param name="url" as="xs:string?"/>
    <xsl:param name="where" as="node()"/>
    <xsl:variable name="safe" as="xs:string?" select="tk:safe-url($url, $where)"/>
    <xsl:variable name="resolved" as="xs:string?" select="
        if (empty($safe) or exists(tk:url-scheme($safe)) or not($resource-base)) then $safe
        else if (tk:url-scheme($resource-base) = ('http', 'https')) then string(resolve-uri($safe, $resource-base))
        else $safe"/>
    <xsl:choose>
      <xsl:when test="empty($resolved)"/>
      <xsl:when test="empty(tk:url-scheme($resolved)) and (starts-with($resolved, '/')
          or starts-with($resolved, '\')
          or (tokenize(replace(lower-case($resolved), '%2e', '.'), '[/\\?#]') = '..'))">
        <xsl:sequence select="tk:warn('resource-outside', 'not linked: ' || $resolved
            || ' would reach outside the edition''s folder', $where)"/>
      </xsl:when>
      <xsl:otherwise>
        <xsl:sequence select="$resolved"/>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:function>

  <!-- Is a relative reference a path to a file or folder ("img/p1.jpg", "a.html#x",
       "scans/"), rather than an identifier ("L00407", "1894-11-26", "HS.NZ85.1.3483_0004")? -->
  <xsl:function name="tk:is-path" as="xs:boolean">
    <xsl:param name="url" as="xs:string"/>
    <xsl:variable name="path" as="xs:string" select="replace($url, '[?#].*$', '')"/>
    <xsl:sequence select="contains($path, '/') or matches($path, '\.[A-Za-z][A-Za-z0-9]{0,5}$')"/>
  </xsl:function>

  <!-- The facsimile element a pointer names in the document: "#s1", or a bare
       id ("L1916_0002_img_1021_1") when an element of the facsimile has it. -->
  <xsl:function name="tk:facsimile-element" as="element()?">
    <xsl:param name="pointer" as="xs:string"/>
    <xsl:param name="context" as="node()"/>
    <xsl:variable name="id" as="xs:string" select="if (starts-with($pointer, '#')) then substring($pointer, 2) else $pointer"/>
    <xsl:sequence select="if (root($context) instance of document-node() and $id ne '')
        then key('tk:id', $id, root($context))[ancestor-or-self::tei:facsimile or self::tei:graphic
            or self::tei:surface or self::tei:media][1] else ()"/>
  </xsl:function>

  <!-- The image URL of a facsimile element: a graphic's or media's @url, a surface's
       (or surfaceGrp's) first graphic, a zone's own graphic or its surface's. -->
  <xsl:function name="tk:facsimile-image" as="attribute()?">
    <xsl:param name="element" as="element()"/>
    <xsl:sequence select="(
        $element/self::tei:graphic/@url, $element/self::tei:media/@url,
        $element/(tei:graphic | tei:media)/@url,
        $element/self::tei:zone/ancestor::tei:surface[1]/(tei:graphic | tei:media)/@url,
        $element//(tei:graphic | tei:media)/@url)[normalize-space()][1]"/>
  </xsl:function>

  <!-- The link of pb/@facs (or any @facs): the facsimile element it names
       resolved to its image; an identifier that names nothing is not a link, a
       fragment that names nothing neither (no dead "#s1" links). -->
  <xsl:function name="tk:facsimile-url" as="xs:string?">
    <xsl:param name="element" as="element()"/>
    <xsl:variable name="pointer" as="xs:string?" select="tokenize(normalize-space($element/@facs), ' ')[1]"/>
    <xsl:variable name="target" as="element()?"
        select="$pointer ! tk:facsimile-element(., $element)"/>
    <xsl:sequence select="if (exists($target)) then tk:image-url($target)
        else if (starts-with($pointer, '#')) then () else tk:usable-url($element/@facs)"/>
  </xsl:function>

  <!-- A usable image URL from a URL attribute (its first token), or (): an
       identifier that is no path (see tk:is-path) is not a URL. -->
  <xsl:function name="tk:usable-url" as="xs:string?">
    <xsl:param name="url" as="attribute()?"/>
    <xsl:variable name="value" as="xs:string?" select="tokenize(normalize-space($url), ' ')[1]"/>
    <xsl:sequence select="if (empty($value)) then ()
        else if (exists(tk:url-scheme(replace($value, '[\p{Cc}\s]', ''))) or tk:is-path($value))
        then tk:resource-url($value, $url) else ()"/>
  </xsl:function>

  <!-- The image URL of a facsimile element (graphic, surface, zone), or (). -->
  <xsl:function name="tk:image-url" as="xs:string?">
    <xsl:param name="element" as="element()"/>
    <xsl:sequence select="tk:usable-url(tk:facsimile-image($element))"/>
  </xsl:function>

  <!-- A label for a page image: "Page 2" (its @n, or that of the page break
       pointing to it among $breaks), with the image's @type, else "Image 3". -->
  <xsl:function name="tk:image-label" as="xs:string">
    <xsl:param name="element" as="element()"/>
    <xsl:param name="position" as="xs:integer"/>
    <xsl:param name="breaks" as="element()*"/>
    <xsl:variable name="ids" as="xs:string*"
        select="($element, $element/tei:graphic, $element/tei:zone)/@xml:id ! string(.)"/>
    <xsl:variable name="pb" as="element()?" select="if (exists($ids)) then ($breaks
        [tokenize(normalize-space(@facs), ' ')[1] ! replace(., '^#', '') = $ids])[1] else ()"/>
    <xsl:variable name="n" as="xs:string?" select="($element/@n, $pb/@n)[normalize-space()][1] ! normalize-space(.)"/>
    <xsl:variable name="type" as="xs:string?" select="($element/@type, $element/tei:graphic/@type)
        [normalize-space()][not(. = ('NULL', 'null', 'none'))][1] ! normalize-space(.)"/>
    <xsl:sequence select="(if ($n) then tk:msg('facsimile.page') || $n else tk:msg('facsimile.image') || $position)
        || (if ($type) then ' (' || $type || ')' else '')"/>
  </xsl:function>

  <!-- ====================================================== transcription -->

  <!-- What a gap is: "Omitted: illegible, 3 chars". -->
  <xsl:function name="tk:gap-label" as="xs:string">
    <xsl:param name="gap" as="element()"/>
    <xsl:variable name="extent" as="xs:string?" select="(normalize-space($gap/@extent)[. ne ''],
        $gap/@quantity ! (normalize-space(.) || ' ' || ($gap/@unit ! normalize-space(.), '')[1]) ! normalize-space(.))[1]"/>
    <xsl:sequence select="tk:msg('transcr.omitted') || (if (exists(tk:reason-label($gap/@reason)) or $extent)
        then ': ' || string-join((tk:reason-label($gap/@reason), $extent), ', ') else '')"/>
  </xsl:function>

  <!-- Where an addition stands in the source: "Added above the line". -->
  <xsl:function name="tk:add-label" as="xs:string">
    <xsl:param name="add" as="element()"/>
    <xsl:variable name="where" as="xs:string*" select="tokenize(lower-case(normalize-space($add/@place)), ' ')
        ! (map {'above': 'above', 'below': 'below', 'supralinear': 'above',
                'infralinear': 'below', 'inline': 'inline', 'inspace': 'inspace',
                'top': 'top', 'bottom': 'bottom', 'overwritten': 'overwritten',
                'end': 'end', 'opposite': 'opposite', 'overleaf': 'overleaf'}(.),
           if (starts-with(., 'margin') or . = ('left', 'right')) then 'margin' else ())[1]
        ! tk:msg('transcr.place.' || .)"/>
    <xsl:sequence select="string-join((tk:msg('transcr.added'), $where[1],
        tk:resp-label($add/@hand, $add) ! (tk:msg('transcr.by') || .)), ' ')"/>
  </xsl:function>

  <!-- How many units of space a space element stands for (at least 1). -->
  <xsl:function name="tk:space-count" as="xs:integer">
    <xsl:param name="space" as="element()"/>
    <xsl:variable name="given" as="xs:string" select="(normalize-space($space/@quantity)[. ne ''],
        replace(normalize-space($space/@extent), '^\D*(\d+).*$', '$1'), '1')[1]"/>
    <xsl:sequence select="max((1, if ($given castable as xs:decimal) then xs:integer(round(xs:decimal($given))) else 1))"/>
  </xsl:function>

  <!-- ================================================ presentation helpers -->

  <!-- How a list is laid out: gloss (label/item pairs), inline, ordered, simple or bulleted. -->
  <xsl:function name="tk:list-kind" as="xs:string">
    <xsl:param name="list" as="element()"/>
    <xsl:variable name="words" as="xs:string*"
        select="tokenize(lower-case(normalize-space(string-join($list/(@type, @rend, @subtype), ' '))), '[\s,;]+')"/>
    <xsl:sequence select="
        if ($words = ('gloss', 'glossary', 'dl', 'definition', 'terms')
            or exists($list/(tei:label | tei:headLabel))) then 'gloss'
        else if ($words = ('inline', 'runon', 'run-on', 'inline-list')) then 'inline'
        else if ($words = ('ordered', 'numbered', 'enumerated', 'decimal', 'numeric', 'arabic',
            'roman', 'alphabetic', 'ol', '1', 'a', 'i')) then 'ordered'
        else if ($words = ('simple', 'none', 'plain', 'unmarked', 'nobullets', 'no-bullets')) then 'simple'
        else 'bulleted'"/>
  </xsl:function>

  <!-- Is a verse line's number (@n) shown? Every fifth, and any that is not a number. -->
  <xsl:function name="tk:show-line-number" as="xs:boolean">
    <xsl:param name="line" as="element()"/>
    <xsl:variable name="n" as="xs:string" select="normalize-space($line/@n)"/>
    <xsl:sequence select="$n ne '' and (not($n castable as xs:integer) or xs:integer($n) mod 5 = 0)"/>
  </xsl:function>

  <!-- Does a name part need a space before it? When the source runs it on from
       the previous part (forename directly followed by surname). -->
  <xsl:function name="tk:needs-space" as="xs:boolean">
    <xsl:param name="part" as="element()"/>
    <xsl:sequence select="exists($part/preceding-sibling::node()[1][self::*][tk:is-name-part(.)])"/>
  </xsl:function>

  <!-- Is this element a block of its own (its parent holds blocks, not running
       text)? Decides between a block quotation and a quotation in the line. -->
  <xsl:function name="tk:is-block" as="xs:boolean">
    <xsl:param name="element" as="element()"/>
    <xsl:sequence select="exists($element/parent::*[self::tei:body or self::tei:div or self::tei:front
        or self::tei:back or self::tei:div1 or self::tei:div2 or self::tei:div3 or self::tei:div4
        or self::tei:div5 or self::tei:div6 or self::tei:div7 or self::tei:sp or self::tei:epigraph
        or self::tei:postscript or self::tei:argument or self::tei:opener or self::tei:closer
        or self::tei:figure or self::tei:floatingText or self::tei:cit[tk:is-block(.)]
        or self::tei:note[not(tk:note-kind(.) = 'inline')] or self::tei:item[tei:p]
        or self::tei:quote[tk:is-block(.)] or self::tei:group or self::tei:castList])"/>
  </xsl:function>

  <!-- Does the source give this quotation its own marks (the text before ends, or
       its own text starts, with a quotation mark), or say it has none (@rend)? -->
  <xsl:function name="tk:has-own-marks" as="xs:boolean">
    <xsl:param name="quote" as="element()"/>
    <xsl:variable name="marks" as="xs:string">"“”„‟«»‹›‘’‚‛'</xsl:variable>
    <xsl:variable name="before" as="xs:string"
        select="replace(string($quote/preceding::text()[normalize-space()][1]), '\s+$', '')"/>
    <xsl:variable name="first" as="xs:string" select="substring(normalize-space($quote), 1, 1)"/>
    <xsl:sequence select="$quote/@rend = ('none', 'no-quotes', 'noquotes', 'plain')
        or contains($marks, substring($before, string-length($before), 1)) and $before ne ''
        or ($first ne '' and contains($marks, $first))"/>
  </xsl:function>

  <!-- The W3C date, time or dateTime of a date or time element, for machines
       (HTML datetime=""), or () for ranges and values that are none of these. -->
  <xsl:function name="tk:machine-date" as="xs:string?">
    <xsl:param name="element" as="element()"/>
    <xsl:variable name="value" as="xs:string?" select="(
        $element/@when, $element/@when-iso,
        $element[not(@to or @notAfter or @to-iso or @notAfter-iso)]/(@from, @notBefore, @from-iso, @notBefore-iso)
        )[1] ! normalize-space(.)"/>
    <xsl:sequence select="$value[matches(., '^(\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+\-]\d{2}:\d{2})?)?)?)?|\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+\-]\d{2}:\d{2})?)$')]"/>
  </xsl:function>

  <!-- "from – to" of a dated element with bounds (@from/@to, @notBefore/@notAfter), or (). -->
  <xsl:function name="tk:date-range" as="xs:string?">
    <xsl:param name="element" as="element()"/>
    <xsl:sequence select="if ($element/(@from, @to, @notBefore, @notAfter, @from-iso, @to-iso,
            @notBefore-iso, @notAfter-iso)) then string-join((
        ($element/(@from, @notBefore, @from-iso, @notBefore-iso))[1],
        ($element/(@to, @notAfter, @to-iso, @notAfter-iso))[1]) ! normalize-space(.), ' – ') else ()"/>
  </xsl:function>

  <!-- Where a note is shown: "entry" (part of a register entry: shown with it),
       else from its @place: "inline" (in or between the lines: inline, above,
       below …), "margin" (margin, left, right …), else "end" (numbered, after
       the text; footnotes in print). -->
  <xsl:function name="tk:note-kind" as="xs:string">
    <xsl:param name="note" as="element(tei:note)"/>
    <xsl:variable name="place" as="xs:string*" select="tokenize(lower-case(normalize-space($note/@place)), '[\s,;]+')"/>
    <xsl:sequence select="
        if ($note/ancestor::*[self::tei:listPerson or self::tei:listPlace or self::tei:listOrg
            or self::tei:listBibl or self::tei:listEvent or self::tei:listObject or self::tei:listNym
            or self::tei:listRelation]) then 'entry'
        else if ($place = ('inline', 'inspace', 'above', 'below', 'interlinear', 'supralinear',
            'infralinear', 'intralinear', 'between', 'inline-above', 'inline-below', 'overwritten')) then 'inline'
        else if ($place = ('margin', 'left', 'right', 'opposite') or (some $p in $place satisfies starts-with($p, 'margin')))
        then 'margin'
        else 'end'"/>
  </xsl:function>

  <!-- ============================================================ register -->

  <!-- The id a pointer names: the fragment of its first token ("register.xml#tito" -> "tito").
       Only for stylesheets used outside teikit: teikit passes the model's resolution ($entities). -->
  <xsl:function name="tk:ref-id" as="xs:string?">
    <xsl:param name="ref" as="xs:string?"/>
    <xsl:variable name="first" as="xs:string?" select="tokenize(normalize-space($ref), ' ')[1]"/>
    <xsl:sequence select="if (contains($first, '#')) then substring-after($first, '#')[. ne ''] else ()"/>
  </xsl:function>

  <!-- The position of a node's document among $documents, or (). -->
  <xsl:function name="tk:document-number" as="xs:integer?">
    <xsl:param name="node" as="node()"/>
    <xsl:variable name="root" as="node()" select="root($node)"/>
    <xsl:sequence select="(for $i in 1 to count($documents) return $i[$documents[$i] is $root])[1]"/>
  </xsl:function>

  <!-- Elements met so far in document order, counted once per document as the tree
       is built: an element's number is a look-up. -->
  <xsl:accumulator name="tk:elements-started" as="xs:integer" initial-value="0">
    <xsl:accumulator-rule match="*" phase="start" select="$value + 1"/>
  </xsl:accumulator>

  <!-- The position of an element in document order among its document's elements
       (the root element = 1). -->
  <xsl:function name="tk:element-number" as="xs:integer">
    <xsl:param name="element" as="element()"/>
    <xsl:try>
      <xsl:sequence select="$element/accumulator-before('tk:elements-started')"/>
      <!-- A tree the accumulator does not apply to (a document given as a
           parameter, e.g. $documents): count, within that document. -->
      <xsl:catch errors="err:XTDE3362"
          select="count($element/preceding::*) + count($element/ancestor-or-self::*)"/>
    </xsl:try>
  </xsl:function>

  <!-- The key of an element in $entities: its number (tk:element-number), after
       "N:" for the N-th of $documents. Not path(): path() counts the preceding
       siblings at every step, and 125,000 mentions among 25,000 sibling entries
       took minutes. -->
  <xsl:function name="tk:entity-key" as="xs:string">
    <xsl:param name="element" as="element()"/>
    <xsl:variable name="n" as="xs:integer?" select="tk:document-number($element)"/>
    <xsl:sequence select="(if (exists($n)) then $n || ':' else '') || tk:element-number($element)"/>
  </xsl:function>

  <!-- The canonical id of the entity a mention names: the edition model's answer
       ($entities) when teikit gives one, else the fragment of its @ref. -->
  <xsl:function name="tk:mention-id" as="xs:string?">
    <xsl:param name="mention" as="element()"/>
    <xsl:sequence select="if (exists($tk:entities)) then $tk:entities(tk:entity-key($mention))
        else tk:ref-id($mention/@ref)"/>
  </xsl:function>

  <!-- The register entry a mention names (see tk:mention-id): looked up in the
       register, and (outside teikit) for "#x" pointers in the document itself. -->
  <xsl:function name="tk:mention-entry" as="element()?">
    <xsl:param name="mention" as="element()"/>
    <xsl:variable name="id" as="xs:string?" select="tk:mention-id($mention)"/>
    <xsl:sequence select="if (empty($id)) then () else tk:entry-by-id($id,
        empty($tk:entities) and starts-with(normalize-space($mention/@ref), '#'), $mention)"/>
  </xsl:function>

  <!-- A register entry by id: in the register, and when $local in the context's document. -->
  <xsl:function name="tk:entry-by-id" as="element()?">
    <xsl:param name="id" as="xs:string"/>
    <xsl:param name="local" as="xs:boolean"/>
    <xsl:param name="context" as="node()"/>
    <xsl:sequence select="
        (if (exists($tk:register)) then key('tk:id', $id, $tk:register) else (),
         if ($local and root($context) instance of document-node())
         then key('tk:id', $id, root($context)) else ())
        [self::tei:person or self::tei:personGrp or self::tei:place or self::tei:org
         or self::tei:bibl or self::tei:biblStruct or self::tei:event or self::tei:object
         or self::tei:category][1]"/>
  </xsl:function>

  <!-- What a mention shows of a register entry, as a record: its xml:id made safe
       for HTML ("id"), its kind, display name and short description ("note", may be ''). -->
  <xsl:function name="tk:entry-record" as="map(xs:string, xs:string)">
    <xsl:param name="entry" as="element()"/>
    <xsl:sequence select="map {
        'id': tk:safe-id($entry/@xml:id),
        'kind': tk:entity-kind($entry),
        'name': tk:entity-name($entry),
        'note': string(tk:entity-note($entry))}"/>
  </xsl:function>

  <!-- The records of every entry of a register by xml:id (the first entry wins
       when an id is repeated). Called once per batch by teikit, which passes the
       result to each page as $register-records: names are then looked up in a
       map instead of being recomputed at each mention. -->
  <xsl:function name="tk:register-records" as="map(xs:string, map(xs:string, xs:string))">
    <xsl:param name="register" as="document-node()?"/>
    <xsl:sequence select="map:merge(
        $register//*[@xml:id][self::tei:person or self::tei:personGrp or self::tei:place
            or self::tei:org or self::tei:bibl or self::tei:biblStruct or self::tei:event
            or self::tei:object or self::tei:category] ! map:entry(string(@xml:id), tk:entry-record(.)),
        map {'duplicates': 'use-first'})"
        xmlns:map="http://www.w3.org/2005/xpath-functions/map"/>
  </xsl:function>

  <!-- Entry point for teikit: the register's records (see tk:register-records). -->
  <xsl:template name="tk:register-records" as="map(xs:string, map(xs:string, xs:string))">
    <xsl:sequence select="tk:register-records($tk:register)"/>
  </xsl:template>

  <!-- The record of the entry a mention names (see tk:mention-id), or (). -->
  <xsl:function name="tk:mention-record" as="map(xs:string, xs:string)?">
    <xsl:param name="mention" as="element()"/>
    <xsl:variable name="id" as="xs:string?" select="tk:mention-id($mention)"/>
    <xsl:sequence select="if (exists($id) and map:contains($tk:records, $id)) then $tk:records($id)
        else (tk:mention-entry($mention), tk:local-entry(($mention/@ref, $mention/@key)[1], $mention))[1]
             ! tk:entry-record(.)"
        xmlns:map="http://www.w3.org/2005/xpath-functions/map"/>
  </xsl:function>

  <!-- Does the document list persons, places, works … of its own (standOff, or
       the back, front or body of its text)? Asked once a page, so that mentions
       do not look for entries where there are none. -->
  <xsl:function name="tk:has-own-lists" as="xs:boolean">
    <xsl:param name="tei" as="element(tei:TEI)"/>
    <xsl:sequence select="exists($tei/(tei:standOff | tei:text/(tei:back | tei:front | tei:body))
        /(tei:listPerson | tei:listPlace | tei:listOrg | tei:listBibl | tei:listEvent
          | tei:listObject | tei:listNym))"/>
  </xsl:function>

  <!-- The entry of the document's own lists (back, standOff, body; not the
       header) a @ref names: "#pmb123", or a bare "pmb123" as some editions write it. -->
  <xsl:function name="tk:local-entry" as="element()?">
    <xsl:param name="ref" as="xs:string?"/>
    <xsl:param name="context" as="node()"/>
    <xsl:variable name="first" as="xs:string" select="string(tokenize(normalize-space($ref), ' ')[1])"/>
    <xsl:variable name="id" as="xs:string?" select="if (starts-with($first, '#')) then substring($first, 2)
        else $first[matches(., '^[\i-[:]][\c-[:]]*$')]"/>
    <xsl:variable name="doc" as="node()" select="root($context)"/>
    <!-- only documents with lists of their own are indexed (a key walks the whole document) -->
    <xsl:sequence select="if (exists($id) and $doc instance of document-node()
            and exists($doc/tei:TEI[tk:has-own-lists(.)]))
        then key('tk:id', $id, $doc)[tk:is-entry(.)][not(ancestor::tei:teiHeader)][1] else ()"/>
  </xsl:function>

  <!-- person | place | organisation | work | event | term | other: which register page an entry lives on. -->
  <xsl:function name="tk:entity-kind" as="xs:string">
    <xsl:param name="entry" as="element()"/>
    <xsl:sequence select="if ($entry/(self::tei:person | self::tei:personGrp)) then 'person'
        else if ($entry/self::tei:place) then 'place'
        else if ($entry/self::tei:org) then 'organisation'
        else if ($entry/(self::tei:bibl | self::tei:biblStruct)) then 'work'
        else if ($entry/self::tei:event) then 'event'
        else if ($entry/self::tei:category) then 'term'
        else 'other'"/>
  </xsl:function>

  <!-- Is this element an entry of a list of persons, places, organisations,
       works, events, objects or names (or a place within a place)? -->
  <xsl:function name="tk:is-entry" as="xs:boolean">
    <xsl:param name="element" as="element()"/>
    <xsl:sequence select="exists($element[self::tei:person or self::tei:personGrp or self::tei:place
        or self::tei:org or self::tei:bibl or self::tei:biblStruct or self::tei:event
        or self::tei:object or self::tei:nym][parent::tei:listPerson or parent::tei:listPlace
        or parent::tei:listOrg or parent::tei:listBibl or parent::tei:listEvent
        or parent::tei:listObject or parent::tei:listNym or parent::tei:place/parent::tei:listPlace])
        or exists($element[self::tei:category][ancestor::tei:taxonomy])"/>
  </xsl:function>

  <!-- The titles of what a work appeared in: journal and series titles, and a
       monograph title when the work itself is an article (level a). -->
  <xsl:function name="tk:container-titles" as="element(tei:title)*">
    <xsl:param name="entry" as="element()"/>
    <xsl:sequence select="$entry/self::tei:bibl/tei:title[@level = ('j', 's')
        or (@level = 'm' and ../tei:title[@level = 'a'])]"/>
  </xsl:function>

  <!-- The heading of a list of entries when it has no head of its own. -->
  <xsl:function name="tk:list-heading" as="xs:string">
    <xsl:param name="list" as="element()"/>
    <xsl:sequence select="tk:msg((map {
        'listPerson': 'section.persons', 'listPlace': 'section.places',
        'listOrg': 'section.organisations', 'listBibl': 'section.works',
        'listEvent': 'section.events', 'listObject': 'section.objects',
        'listNym': 'section.names', 'listRelation': 'fact.relations'}(local-name($list)),
        'section.entries')[1])"/>
  </xsl:function>

  <!-- The entry's display name: the preferred/full/main name, else the first name, else its id. -->
  <xsl:function name="tk:entity-name" as="xs:string">
    <xsl:param name="entry" as="element()"/>
    <xsl:variable name="names" as="element()*" select="$entry/(tei:persName | tei:placeName
        | tei:orgName | tei:title | tei:name | tei:eventName | tei:label
        | tei:catDesc/tei:term | tei:catDesc[not(tei:term)])[normalize-space()]"/>
    <xsl:variable name="best" as="element()?" select="($names[@type = ('preferred', 'pref', 'full', 'main')],
        $names[not(@type)], $names)[1]"/>
    <xsl:sequence select="if ($best) then tk:name-text($best)
        else (($entry/@n, $entry/@type, $entry/@xml:id)[normalize-space()] ! normalize-space(.), '')[1]"/>
  </xsl:function>

  <!-- A name as one string, each part once: a nested full form wins over the
       parts beside it (persName/persName "McCarthy, P. C." next to forename and
       surname); parts are kept apart by a space even when the source runs them
       together, and a surname written before the forenames is followed by a
       comma ("Schnitzler, Arthur"). -->
  <xsl:function name="tk:name-text" as="xs:string">
    <xsl:param name="name" as="element()"/>
    <xsl:variable name="nested" as="element()?" select="$name/(tei:persName | tei:placeName
        | tei:orgName | tei:name | tei:geogName)[normalize-space()][1]"/>
    <xsl:variable name="parts" as="element()*" select="$name/*[tk:is-name-part(.)][normalize-space()]"/>
    <xsl:variable name="loose" as="xs:boolean" select="exists($name/text()[normalize-space()])"/>
    <xsl:variable name="inverted" as="xs:boolean" select="not($loose)
        and exists($parts[1]/self::tei:surname) and exists($parts/self::tei:forename)"/>
    <xsl:sequence select="
        if (exists($nested) and not($loose)) then tk:name-text($nested)
        else if ($inverted) then string-join((
            string-join($parts[. &lt;&lt; $parts[self::tei:forename][1]] ! tk:text(.), ' '),
            string-join($parts[not(. &lt;&lt; $parts[self::tei:forename][1])] ! tk:text(.), ' ')), ', ')
        else normalize-space(string-join($name/node() ! (if (. instance of element() and tk:is-name-part(.))
            then ' ' || string(.) || ' ' else string(.)), ''))"/>
  </xsl:function>

  <!-- The parts a personal or place name is built of (forename, surname …). -->
  <xsl:function name="tk:is-name-part" as="xs:boolean">
    <xsl:param name="element" as="element()"/>
    <xsl:sequence select="exists($element[self::tei:forename or self::tei:surname or self::tei:addName
        or self::tei:roleName or self::tei:genName or self::tei:nameLink])"/>
  </xsl:function>

  <!-- The register's short description of an entry: its first <note>, or (). -->
  <xsl:function name="tk:entity-note" as="xs:string?">
    <xsl:param name="entry" as="element()?"/>
    <xsl:sequence select="normalize-space(string-join($entry/tei:note[1]//text(), ''))[. ne '']"/>
  </xsl:function>

  <!-- Life or existence dates as "1894–1971", "1960–", or (): from birth/death
       (their attributes or a date inside), floruit, or an event's own dates. -->
  <xsl:function name="tk:entity-dates" as="xs:string?">
    <xsl:param name="entry" as="element()"/>
    <xsl:variable name="from" as="xs:string?" select="tk:year((
        $entry/tei:birth/(@when, @notBefore, @from, tei:date/(@when, @notBefore, @from)),
        $entry/tei:floruit/(@from, @notBefore, @when),
        $entry/self::tei:event/(@when, @from, @notBefore))[1])"/>
    <xsl:variable name="to" as="xs:string?" select="tk:year((
        $entry/tei:death/(@when, @notAfter, @to, tei:date/(@when, @notAfter, @to)),
        $entry/tei:floruit/(@to, @notAfter),
        $entry/self::tei:event/(@to, @notAfter, @when))[1])"/>
    <xsl:sequence select="if (empty(($from, $to))) then ()
        else if ($from = $to and $entry/self::tei:event) then $from
        else ($from, '?')[1] || '–' || $to"/>
  </xsl:function>

  <!-- The year of a W3C date ("1894-11-26" -> "1894", "-0044" -> "-0044"), or (). -->
  <xsl:function name="tk:year" as="xs:string?">
    <xsl:param name="date" as="xs:anyAtomicType?"/>
    <xsl:sequence select="replace(normalize-space(string($date)), '^(-?\d{1,}).*$', '$1')
        [matches(normalize-space(string($date)), '^-?\d')]"/>
  </xsl:function>

  <!-- Names for a @resp: register entries by name, local ids by their text. $context
       is the element carrying the @resp: teikit gives its entities by tk:entity-key/@resp. -->
  <xsl:function name="tk:resp-label" as="xs:string?">
    <xsl:param name="resp" as="xs:string?"/>
    <xsl:param name="context" as="node()"/>
    <xsl:variable name="ids" as="xs:string*"
        select="if (exists($tk:entities) and $context instance of element())
                then tokenize($tk:entities(tk:entity-key($context) || '/@resp'), ' ') else ()"/>
    <xsl:variable name="names" as="xs:string*">
      <xsl:for-each select="tokenize(normalize-space($resp), ' ')">
        <xsl:variable name="i" as="xs:integer" select="position()"/>
        <xsl:variable name="entry" as="element()?"
            select="if (exists($tk:entities)) then $ids[$i][. ne '-'] ! tk:entry-by-id(., false(), $context)
                    else tk:ref-id(.) ! tk:entry-by-id(., starts-with(normalize-space(current()), '#'), $context)"/>
        <xsl:variable name="local" as="element()?"
            select="if (starts-with(., '#') and root($context) instance of document-node())
                    then key('tk:id', substring(., 2), root($context))[1] else ()"/>
        <xsl:sequence select="if ($entry) then tk:entity-name($entry)
            else if ($local) then normalize-space($local) else ."/>
      </xsl:for-each>
    </xsl:variable>
    <xsl:sequence select="string-join($names, ', ')[. ne '']"/>
  </xsl:function>

  <!-- A readable label for @reason values such as "translator-insertion". -->
  <xsl:function name="tk:reason-label" as="xs:string?">
    <xsl:param name="reason" as="xs:string?"/>
    <xsl:variable name="known" as="map(xs:string, xs:string)" select="map {
        'translator-insertion': tk:msg('reason.translator-insertion'),
        'author-insertion': tk:msg('reason.author-insertion'),
        'editorial-insertion': tk:msg('reason.editorial-insertion'),
        'omitted-in-source': tk:msg('reason.omitted-in-source')}"/>
    <xsl:variable name="key" as="xs:string" select="normalize-space($reason)"/>
    <xsl:sequence select="if ($key = '') then ()
        else if (map:contains($known, $key)) then $known($key)
        else replace($key, '[\-_]', ' ')"
        xmlns:map="http://www.w3.org/2005/xpath-functions/map"/>
  </xsl:function>

  <!-- ============================================== editorial principles -->

  <!-- <seg>, @type, "interpolation": element, attribute and value names as written. -->
  <xsl:function name="tk:documentation-form" as="xs:string">
    <xsl:param name="el" as="element()"/>
    <xsl:variable name="text" as="xs:string" select="normalize-space($el)"/>
    <xsl:sequence select="if ($el/self::tei:gi) then '&lt;' || $text || '&gt;'
        else if ($el/self::tei:att) then '@' || $text
        else if ($el/self::tei:val) then '&quot;' || $text || '&quot;'
        else $text"/>
  </xsl:function>

  <!-- The heading of a part of editorialDecl: its @n, else its name in English. -->
  <xsl:function name="tk:principle-heading" as="xs:string">
    <xsl:param name="part" as="element()"/>
    <xsl:variable name="names" as="map(xs:string, xs:string)" select="map {
        'correction': 'Corrections', 'normalization': 'Normalisation', 'quotation': 'Quotation',
        'hyphenation': 'Hyphenation', 'segmentation': 'Segmentation', 'stdVals': 'Standard values',
        'interpretation': 'Interpretation', 'punctuation': 'Punctuation'}"
        xmlns:map="http://www.w3.org/2005/xpath-functions/map"/>
    <xsl:sequence select="(normalize-space($part/@n)[. ne ''], $names(local-name($part)),
        local-name($part))[1]"/>
  </xsl:function>

  <!-- "seg/@type" for an attDef of an elementSpec, "@cert" for one of a classSpec. -->
  <xsl:function name="tk:attribute-of" as="xs:string">
    <xsl:param name="attdef" as="element(tei:attDef)"/>
    <xsl:variable name="spec" as="element()?" select="$attdef/ancestor::*[self::tei:elementSpec or self::tei:classSpec][1]"/>
    <xsl:sequence select="(if ($spec/self::tei:elementSpec) then $spec/@ident || '/' else '')
        || '@' || $attdef/@ident"/>
  </xsl:function>

  <!-- " (conjecture)", " (inferred)", " (certainty: low)" … for a name or date the
       edition infers (@evidence, @cert below high), else "". -->
  <xsl:function name="tk:certainty-note" as="xs:string">
    <xsl:param name="el" as="element()?"/>
    <!-- in the interface's language (tk:msg); a level the catalog lacks as written -->
    <xsl:variable name="how" as="xs:string*" select="(
        if ($el/@evidence = 'conjecture') then tk:msg('parties.conjecture')
        else if ($el/@evidence = ('internal', 'external')) then tk:msg('certainty.inferred') else (),
        $el/@cert[not(. = 'high')] ! normalize-space(.) ! tk:msg('certainty.level',
            map {'level': string(($tk:strings('certainty.' || .), .)[1])}))"/>
    <xsl:sequence select="if (exists($how)) then ' (' || string-join($how, ', ') || ')' else ''"/>
  </xsl:function>

  <!-- =========================================================== documents -->

  <!-- The edition model's answer for a document: from $kinds/$titles/$short-titles
       for the N-th of $documents, else from $kind/$title/$short-title for the document
       transformed (not the register), else (). -->
  <xsl:function name="tk:given" as="xs:string?">
    <xsl:param name="tei" as="element(tei:TEI)"/>
    <xsl:param name="many" as="xs:string*"/>
    <xsl:param name="one" as="xs:string?"/>
    <xsl:variable name="n" as="xs:integer?" select="tk:document-number($tei)"/>
    <xsl:sequence select="if (exists($n)) then $many[$n]
        else if (exists($tk:register) and root($tei) is $tk:register) then ()
        else $one"/>
  </xsl:function>

  <!-- The document's own title: teikit's, else the header's (tk:header-title). -->
  <xsl:function name="tk:title" as="xs:string">
    <xsl:param name="tei" as="element(tei:TEI)"/>
    <xsl:sequence select="(tk:given($tei, $titles, $title), tk:header-title($tei))[1]"/>
  </xsl:function>

  <!-- The document's own title, as the header gives it: title[@type='main'], else an
       analytic or untyped title; series and journal titles (@level s, j) and
       subtitles, short, alternative or machine-readable titles (@type) only when
       there is nothing else. Never more than one title. -->
  <xsl:function name="tk:header-title" as="xs:string">
    <xsl:param name="tei" as="element(tei:TEI)"/>
    <xsl:variable name="titles" as="element(tei:title)*"
        select="$tei/tei:teiHeader/tei:fileDesc/tei:titleStmt/tei:title[normalize-space()]"/>
    <xsl:variable name="own" as="element(tei:title)*" select="$titles[not(@level = ('s', 'j'))
        and not(@type = ('sub', 'subordinate', 'short', 'alt', 'alternative', 'parallel',
                         'iso-date', 'desc', 'abbreviated', 'running'))]"/>
    <xsl:sequence select="tk:text(($titles[@type = 'main'], $own[@level = 'a'], $own, $titles)[1])"/>
  </xsl:function>

  <!-- Short title: teikit's, else title[@type='short'], else the title. -->
  <xsl:function name="tk:short-title" as="xs:string">
    <xsl:param name="tei" as="element(tei:TEI)"/>
    <xsl:variable name="short" as="xs:string" select="tk:text(
        $tei/tei:teiHeader/tei:fileDesc/tei:titleStmt/tei:title[@type = 'short'][normalize-space()][1])"/>
    <xsl:sequence select="(tk:given($tei, $short-titles, $short-title),
        $short[. ne ''], tk:title($tei))[1]"/>
  </xsl:function>

  <!-- The title of the series or edition the document belongs to: the first
       seriesStmt title, else a series-level title of the titleStmt, or (). -->
  <xsl:function name="tk:series-title" as="xs:string?">
    <xsl:param name="tei" as="element(tei:TEI)"/>
    <xsl:variable name="file" as="element(tei:fileDesc)?" select="$tei/tei:teiHeader/tei:fileDesc"/>
    <xsl:sequence select="tk:text(($file/tei:seriesStmt/tei:title[normalize-space()],
        $file/tei:titleStmt/tei:title[@level = 's'][normalize-space()])[1])[. ne '']"/>
  </xsl:function>

  <!-- What a document is: teikit's answer (letter | register | introduction | drama |
       edition | other), else a guess from the TEI. -->
  <xsl:function name="tk:kind" as="xs:string">
    <xsl:param name="tei" as="element(tei:TEI)"/>
    <xsl:sequence select="(tk:given($tei, $kinds, $kind),
        if ($tei/tei:teiHeader/tei:profileDesc/tei:correspDesc
            or $tei/tei:text/tei:body/tei:div[@type = 'letter']) then 'letter'
        else if ($tei/tei:text/tei:body//(tei:listPerson | tei:listPlace | tei:listOrg)) then 'register'
        else if ($tei/tei:text/tei:body/tei:div[@type = 'contents']) then 'edition'
        else 'other')[1]"/>
  </xsl:function>

  <!-- The edition's title: teikit's, else the series title the document gives. -->
  <xsl:function name="tk:edition-title" as="xs:string?">
    <xsl:param name="tei" as="element(tei:TEI)?"/>
    <xsl:sequence select="($edition-title[normalize-space()], $tei ! tk:series-title(.))[1]"/>
  </xsl:function>

  <!-- Who translated the document: the names of every titleStmt respStmt with a
       resp (any of them) that speaks of translation. -->
  <xsl:function name="tk:translators" as="element()*">
    <xsl:param name="header" as="element(tei:teiHeader)"/>
    <xsl:sequence select="$header/tei:fileDesc/tei:titleStmt/tei:respStmt
        [tei:resp[matches(., 'translated|translator|übersetz|tradu', 'i')]]
        /(tei:persName | tei:name | tei:orgName)[normalize-space()]"/>
  </xsl:function>

  <!-- The printed source of a document: a bibl of the sourceDesc typed as
       printed or original source, else the first bibl (a digital source may
       nest the printed one: the innermost wins). -->
  <xsl:function name="tk:printed-source" as="element(tei:bibl)?">
    <xsl:param name="file" as="element(tei:fileDesc)?"/>
    <xsl:variable name="bibls" as="element(tei:bibl)*"
        select="$file/tei:sourceDesc//tei:bibl[normalize-space()][not(ancestor::tei:msDesc)]"/>
    <xsl:sequence select="($bibls[@type = ('printed', 'print', 'originalSource', 'original', 'edition')],
        $file/tei:sourceDesc/tei:bibl[not(.//tei:bibl)], $bibls)[1]"/>
  </xsl:function>

  <!-- The shelfmark of the document itself: the msIdentifier of the sourceDesc's
       msDesc, or of its witness list's first one that has text (the msDescs of
       items further down describe other documents). -->
  <xsl:function name="tk:shelfmark" as="element(tei:msIdentifier)?">
    <xsl:param name="file" as="element(tei:fileDesc)?"/>
    <xsl:sequence select="($file/tei:sourceDesc/(tei:msDesc | tei:listWit/tei:witness/tei:msDesc)
        /tei:msIdentifier[tk:text(.) ne ''])[1]"/>
  </xsl:function>

  <!-- The parts of a shelfmark that have text, in citation order: institution,
       repository, collection, idno, msName. -->
  <xsl:function name="tk:shelfmark-parts" as="element()*">
    <xsl:param name="ms" as="element(tei:msIdentifier)"/>
    <xsl:sequence select="($ms/tei:institution, $ms/tei:repository, $ms/tei:collection,
        $ms/tei:idno, $ms/tei:msName)[tk:trim-separators(.) ne '']"/>
  </xsl:function>

  <!-- Text without the separators (commas, semicolons, colons) at its ends. -->
  <xsl:function name="tk:trim-separators" as="xs:string">
    <xsl:param name="text" as="xs:string?"/>
    <xsl:sequence select="replace(normalize-space($text), '^[,;:\s]+|[,;:\s]+$', '')"/>
  </xsl:function>

  <!-- Where the shelfmark's holding institution is (settlement, region, country), non-empty parts only. -->
  <xsl:function name="tk:shelfmark-places" as="element()*">
    <xsl:param name="ms" as="element(tei:msIdentifier)"/>
    <xsl:sequence select="($ms/tei:settlement, $ms/tei:region, $ms/tei:country)[tk:trim-separators(.) ne '']"/>
  </xsl:function>

  <!-- ISO date the letter was sent (correspAction[@type='sent']/date/@when), or (). -->
  <xsl:function name="tk:sent-date" as="xs:string?">
    <xsl:param name="tei" as="element(tei:TEI)"/>
    <xsl:sequence select="($tei/tei:teiHeader/tei:profileDesc/tei:correspDesc
        /tei:correspAction[@type = 'sent']/tei:date/(@when, @from, @notBefore))[1] ! string(.)"/>
  </xsl:function>

  <!-- The language in force at a node (nearest xml:lang), or (). -->
  <xsl:function name="tk:lang" as="xs:string?">
    <xsl:param name="node" as="node()"/>
    <xsl:sequence select="($node/ancestor-or-self::*/@xml:lang)[last()] ! normalize-space(.)[. ne '']"/>
  </xsl:function>

  <!-- The division whose heading is the page heading: the only top-level
       division of the body, when it is a letter with a head. -->
  <xsl:function name="tk:title-div" as="element(tei:div)?">
    <xsl:param name="tei" as="element(tei:TEI)"/>
    <xsl:variable name="top" as="element(tei:div)*" select="$tei/tei:text/tei:body/tei:div"/>
    <xsl:sequence select="$top[count($top) = 1][@type = 'letter'][tk:main-heads(.)]"/>
  </xsl:function>

  <!-- Heads that are headings (not kickers such as "DOCUMENT No. 1"). -->
  <xsl:function name="tk:main-heads" as="element(tei:head)*">
    <xsl:param name="div" as="element()"/>
    <xsl:sequence select="$div/tei:head[not(@type = ('document', 'kicker', 'sub', 'label'))]"/>
  </xsl:function>

  <!-- Report why a name's pointer is not linked: an unsafe scheme, or no such entry
       (context: the name element). -->
  <xsl:template name="tk:check-ref">
    <xsl:variable name="attr" as="attribute()?" select="(@ref, @key)[1]"/>
    <xsl:variable name="ref" as="xs:string" select="string(tokenize(normalize-space($attr), ' ')[1])"/>
    <xsl:choose>
      <xsl:when test="empty($attr) or exists(tk:mention-entry(.))"/>
      <xsl:when test="$attr is @ref and not(tk:url-is-safe($ref))">
        <xsl:sequence select="tk:safe-url($ref, @ref)"/>
      </xsl:when>
      <xsl:when test="tk:url-scheme($ref) = ('http', 'https')"/>
      <xsl:when test="exists($tk:entities) or (exists(tk:ref-id($ref))
          and (exists($tk:register) or starts-with($ref, '#')))">
        <xsl:sequence select="tk:warn('unresolved-ref',
            '@' || name($attr) || ' &quot;' || $ref || '&quot; on ' || name() || ' names no register entry', $attr)"/>
      </xsl:when>
    </xsl:choose>
  </xsl:template>

  <!-- =============================================================== Typst -->

  <!-- TEI text as Typst *markup* that prints literally: whitespace is squashed
       (so text never starts a line: no headings, lists, terms) and every
       character with a meaning in Typst markup gets a backslash escape, which
       Typst accepts before any non-space character:
       \ # $ * _ ` < > @ [ ] { } " ' = - + / ~ . : ( ) ;
       ("(" "." ";" because they would continue a preceding #call). -->
  <xsl:function name="tk:typst-escape" as="xs:string">
    <xsl:param name="text" as="xs:string?"/>
    <xsl:sequence select="replace(tk:squash($text),
        '[\\#\$*_`&lt;&gt;@\[\]\{\}&quot;''=\-+/~.:();]', '\\$0')"/>
  </xsl:function>

  <!-- TEI text as a Typst *string literal*, quotes included: only \ and " need escaping. -->
  <xsl:function name="tk:typst-string" as="xs:string">
    <xsl:param name="text" as="xs:string?"/>
    <xsl:sequence select="'&quot;' || replace(replace(normalize-space(tk:squash($text)),
        '\\', '\\\\'), '&quot;', '\\&quot;') || '&quot;'"/>
  </xsl:function>

  <!-- A Typst label name ("tk-" + letters, digits, "_" and "-"). -->
  <xsl:function name="tk:typst-label" as="xs:string">
    <xsl:param name="value" as="xs:string?"/>
    <xsl:sequence select="'tk-' || replace(normalize-space($value), '[^A-Za-z0-9_\-]', '-')"/>
  </xsl:function>

  <!-- A language code Typst accepts (2–3 ASCII letters) from xml:lang, or (). -->
  <xsl:function name="tk:typst-lang" as="xs:string?">
    <xsl:param name="lang" as="xs:string?"/>
    <xsl:variable name="primary" as="xs:string" select="lower-case(tokenize(normalize-space($lang), '-')[1])"/>
    <xsl:sequence select="$primary[matches(., '^[a-z]{2,3}$')]"/>
  </xsl:function>

</xsl:stylesheet>

<?xml version="1.0" encoding="UTF-8"?>
<!--
  teikit common layer: functions.xsl
  ==================================
  Typed helper functions in the tk: namespace, used by every output format:

    text        tk:squash, tk:plain-name
    ids         tk:safe-id, tk:note-id, tk:note-label, tk:note-marker
    URLs        tk:url-scheme, tk:url-is-safe, tk:safe-url, tk:xml-to-html
    register    tk:mention-id, tk:mention-entry, tk:mention-record, tk:entity-kind,
                tk:entity-name, tk:entity-note, tk:entity-dates, tk:resp-label,
                tk:reason-label (pointers are resolved by teikit's edition model,
                passed in as $entities; tk:ref-id is the fallback outside teikit)
    documents   tk:title, tk:short-title, tk:kind, tk:edition-title (teikit's answers,
                passed in as parameters), tk:sent-date, tk:lang, tk:title-div,
                tk:main-heads, template tk:check-ref
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

  <!-- ================================================================= ids -->

  <!-- An HTML id / Typst-safe token: ASCII letters, digits, "_", "-", ".";
       always starts with a letter. Deterministic, so links and targets agree. -->
  <xsl:function name="tk:safe-id" as="xs:string">
    <xsl:param name="value" as="xs:string?"/>
    <xsl:variable name="clean" as="xs:string"
        select="replace(normalize-space($value), '[^A-Za-z0-9_.\-]', '_')"/>
    <xsl:sequence select="if (matches($clean, '^[A-Za-z]')) then $clean else 'id-' || $clean"/>
  </xsl:function>

  <!-- Stable id of a note: its xml:id, else its position among the notes of <text>. -->
  <xsl:function name="tk:note-id" as="xs:string">
    <xsl:param name="note" as="element(tei:note)"/>
    <xsl:sequence select="if ($note/@xml:id) then tk:safe-id($note/@xml:id)
        else 'note-' || (count($note/preceding::tei:note[ancestor::tei:text]) + 1)"/>
  </xsl:function>

  <!-- The visible note number: @n as printed, else the running position. -->
  <xsl:function name="tk:note-label" as="xs:string">
    <xsl:param name="note" as="element(tei:note)"/>
    <xsl:sequence select="if (normalize-space($note/@n)) then normalize-space($note/@n)
        else string(count($note/preceding::tei:note[ancestor::tei:text]) + 1)"/>
  </xsl:function>

  <!-- The marker a note shows: the editors' notes (type editorial) without @n are
       lettered a, b, … in the order of the text, apart from the numbered notes of
       the source; other notes show tk:note-label. -->
  <xsl:function name="tk:note-marker" as="xs:string">
    <xsl:param name="note" as="element(tei:note)"/>
    <xsl:choose>
      <xsl:when test="$note/@type = 'editorial' and not(normalize-space($note/@n))">
        <xsl:variable name="letter" as="xs:string">
          <xsl:number select="$note" level="any" from="tei:text"
              count="tei:note[@type = 'editorial'][not(normalize-space(@n))]" format="a"/>
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

  <!-- A relative link to another TEI file ("b.xml#x") pointed at its HTML page ("b.html#x"). -->
  <xsl:function name="tk:xml-to-html" as="xs:string">
    <xsl:param name="url" as="xs:string"/>
    <xsl:sequence select="if (empty(tk:url-scheme($url)))
        then replace($url, '\.xml(#.*)?$', '.html$1') else $url"/>
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

  <!-- The key of a node in $entities: its path(), after "N:" for the N-th of $documents. -->
  <xsl:function name="tk:entity-key" as="xs:string">
    <xsl:param name="node" as="node()"/>
    <xsl:variable name="n" as="xs:integer?" select="tk:document-number($node)"/>
    <xsl:sequence select="(if (exists($n)) then $n || ':' else '') || path($node)"/>
  </xsl:function>

  <!-- The canonical id of the entity a mention names: the edition model's answer
       ($entities) when teikit gives one, else the fragment of its @ref. -->
  <xsl:function name="tk:mention-id" as="xs:string?">
    <xsl:param name="mention" as="element()"/>
    <xsl:sequence select="if (exists($entities)) then $entities(tk:entity-key($mention))
        else tk:ref-id($mention/@ref)"/>
  </xsl:function>

  <!-- The register entry a mention names (see tk:mention-id): looked up in the
       register, and (outside teikit) for "#x" pointers in the document itself. -->
  <xsl:function name="tk:mention-entry" as="element()?">
    <xsl:param name="mention" as="element()"/>
    <xsl:variable name="id" as="xs:string?" select="tk:mention-id($mention)"/>
    <xsl:sequence select="if (empty($id)) then () else tk:entry-by-id($id,
        empty($entities) and starts-with(normalize-space($mention/@ref), '#'), $mention)"/>
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
            or self::tei:object] ! map:entry(string(@xml:id), tk:entry-record(.)),
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
    <xsl:sequence select="if (empty($id)) then ()
        else if (map:contains($tk:records, $id)) then $tk:records($id)
        else tk:mention-entry($mention) ! tk:entry-record(.)"
        xmlns:map="http://www.w3.org/2005/xpath-functions/map"/>
  </xsl:function>

  <!-- person | place | organisation | work | other: which register page an entry lives on. -->
  <xsl:function name="tk:entity-kind" as="xs:string">
    <xsl:param name="entry" as="element()"/>
    <xsl:sequence select="if ($entry/(self::tei:person | self::tei:personGrp)) then 'person'
        else if ($entry/self::tei:place) then 'place'
        else if ($entry/self::tei:org) then 'organisation'
        else if ($entry/(self::tei:bibl | self::tei:biblStruct)) then 'work'
        else 'other'"/>
  </xsl:function>

  <!-- The entry's display name: the preferred/full/main name, else the first name, else its id. -->
  <xsl:function name="tk:entity-name" as="xs:string">
    <xsl:param name="entry" as="element()"/>
    <xsl:variable name="names" as="element()*"
        select="$entry/(tei:persName | tei:placeName | tei:orgName | tei:title | tei:name)"/>
    <xsl:variable name="best" as="element()?"
        select="($names[@type = ('preferred', 'full', 'main')], $names)[1]"/>
    <xsl:sequence select="if ($best) then normalize-space(string-join($best//text(), ''))
        else string($entry/@xml:id)"/>
  </xsl:function>

  <!-- The register's short description of an entry: its first <note>, or (). -->
  <xsl:function name="tk:entity-note" as="xs:string?">
    <xsl:param name="entry" as="element()?"/>
    <xsl:sequence select="normalize-space(string-join($entry/tei:note[1]//text(), ''))[. ne '']"/>
  </xsl:function>

  <!-- Life or existence dates as "1894–1971", "1960–", or (). -->
  <xsl:function name="tk:entity-dates" as="xs:string?">
    <xsl:param name="entry" as="element()"/>
    <xsl:variable name="from" as="xs:string?"
        select="($entry/tei:birth/(@when, @notBefore, @from), $entry/tei:floruit/@from)[1] ! substring(., 1, 4)"/>
    <xsl:variable name="to" as="xs:string?"
        select="($entry/tei:death/(@when, @notAfter, @to), $entry/tei:floruit/@to)[1] ! substring(., 1, 4)"/>
    <xsl:sequence select="if (exists(($from, $to))) then ($from, '?')[1] || '–' || $to else ()"/>
  </xsl:function>

  <!-- Names for a @resp: register entries by name, local ids by their text. $context
       is the element carrying the @resp: teikit gives its entities as path()/@resp. -->
  <xsl:function name="tk:resp-label" as="xs:string?">
    <xsl:param name="resp" as="xs:string?"/>
    <xsl:param name="context" as="node()"/>
    <xsl:variable name="ids" as="xs:string*"
        select="if (exists($entities) and $context instance of element())
                then tokenize($entities(tk:entity-key($context) || '/@resp'), ' ') else ()"/>
    <xsl:variable name="names" as="xs:string*">
      <xsl:for-each select="tokenize(normalize-space($resp), ' ')">
        <xsl:variable name="i" as="xs:integer" select="position()"/>
        <xsl:variable name="entry" as="element()?"
            select="if (exists($entities)) then $ids[$i][. ne '-'] ! tk:entry-by-id(., false(), $context)
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
        'translator-insertion': 'translator’s insertion',
        'author-insertion': 'author’s insertion',
        'editorial-insertion': 'editors’ insertion',
        'omitted-in-source': 'omitted in the source'}"/>
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
    <xsl:variable name="how" as="xs:string*" select="(
        if ($el/@evidence = 'conjecture') then 'conjecture'
        else if ($el/@evidence = ('internal', 'external')) then 'inferred' else (),
        $el/@cert[not(. = 'high')] ! ('certainty: ' || normalize-space(.)))"/>
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

  <!-- The document's own title: teikit's, else title[@type='main' or @level='a'],
       an untyped title, the first title. -->
  <xsl:function name="tk:title" as="xs:string">
    <xsl:param name="tei" as="element(tei:TEI)"/>
    <xsl:variable name="titles" as="element(tei:title)*"
        select="$tei/tei:teiHeader/tei:fileDesc/tei:titleStmt/tei:title"/>
    <xsl:sequence select="(tk:given($tei, $titles, $title), normalize-space(string-join(
        ($titles[@type = 'main' or @level = 'a'], $titles[not(@type | @level)], $titles)[1]//text(),
        '')))[1]"/>
  </xsl:function>

  <!-- Short title: teikit's, else title[@type='short'], else the title. -->
  <xsl:function name="tk:short-title" as="xs:string">
    <xsl:param name="tei" as="element(tei:TEI)"/>
    <xsl:variable name="short" as="xs:string" select="normalize-space(string-join(
        $tei/tei:teiHeader/tei:fileDesc/tei:titleStmt/tei:title[@type = 'short'][1]//text(), ''))"/>
    <xsl:sequence select="(tk:given($tei, $short-titles, $short-title),
        $short[. ne ''], tk:title($tei))[1]"/>
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
    <xsl:sequence select="($edition-title[normalize-space()], normalize-space(string-join(
        $tei/tei:teiHeader/tei:fileDesc/tei:seriesStmt/tei:title[1]//text(), ''))[. ne ''])[1]"/>
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
      <xsl:when test="exists($entities) or (exists(tk:ref-id($ref))
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

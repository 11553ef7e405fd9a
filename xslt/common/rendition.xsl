<?xml version="1.0" encoding="UTF-8"?>
<!--
  teikit common layer: rendition.xsl
  ==================================
  How a source looks, as a small closed vocabulary every output format knows:

    italic bold underline double-underline overline strikethrough
    superscript subscript smallcaps spaced uppercase lowercase
    monospace latintype larger smaller center right left indent

  tk:rend-tokens($element) reads the three places TEI says it:
  * @rend, free text: "italic", "it", "bold", "sup", "spaced-out", "gesperrt" …
    (each word is looked up; unknown words are dropped);
  * @rendition, pointers to <rendition> in the header's tagsDecl (their CSS is
    read like @style); a pointer that resolves to nothing is read as a word
    ("#italic"), as many editions name their renditions so;
  * @style, CSS: only the properties listed in tk:css-token count.

  SECURITY: source CSS never reaches the output. HTML gets class names
  (tk-rend-TOKEN, styled by teikit.css; the site's Content-Security-Policy
  refuses style attributes anyway) and Typst gets teikit's own calls, so a
  document cannot inject CSS or Typst through these attributes.
-->
<xsl:stylesheet version="3.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:tei="http://www.tei-c.org/ns/1.0"
    xmlns:tk="https://teikit.org/ns/xslt"
    xmlns:map="http://www.w3.org/2005/xpath-functions/map"
    exclude-result-prefixes="#all">

  <!-- @rend words (lower case, "_" and " " read as "-") and the token each stands for. -->
  <xsl:variable name="tk:rend-words" as="map(xs:string, xs:string)" select="map {
      'italic': 'italic', 'italics': 'italic', 'it': 'italic', 'i': 'italic', 'ital': 'italic',
      'cursive': 'italic', 'kursiv': 'italic', 'oblique': 'italic', 'slanted': 'italic',
      'bold': 'bold', 'b': 'bold', 'bf': 'bold', 'strong': 'bold', 'fett': 'bold',
      'underline': 'underline', 'underlined': 'underline', 'u': 'underline', 'ul': 'underline',
      'unterstrichen': 'underline',
      'double-underline': 'double-underline', 'underline-double': 'double-underline',
      'doubleunderline': 'double-underline', 'uu': 'double-underline',
      'overline': 'overline', 'overlined': 'overline',
      'strikethrough': 'strikethrough', 'strike-through': 'strikethrough', 'strike': 'strikethrough',
      'struck': 'strikethrough', 'line-through': 'strikethrough', 'overstrike': 'strikethrough',
      'crossed-out': 'strikethrough', 's': 'strikethrough',
      'sup': 'superscript', 'super': 'superscript', 'superscript': 'superscript',
      'sub': 'subscript', 'subscript': 'subscript',
      'smallcaps': 'smallcaps', 'small-caps': 'smallcaps', 'sc': 'smallcaps', 'kapitälchen': 'smallcaps',
      'spaced': 'spaced', 'spaced-out': 'spaced', 'letterspaced': 'spaced', 'letter-spaced': 'spaced',
      'letterspace': 'spaced', 'expanded': 'spaced', 'gesperrt': 'spaced', 'sperrung': 'spaced',
      'uppercase': 'uppercase', 'upper': 'uppercase', 'caps': 'uppercase', 'capitals': 'uppercase',
      'allcaps': 'uppercase', 'all-caps': 'uppercase', 'versalien': 'uppercase',
      'lowercase': 'lowercase', 'lower': 'lowercase',
      'monospace': 'monospace', 'mono': 'monospace', 'code': 'monospace', 'typewriter': 'monospace',
      'tt': 'monospace',
      'latintype': 'latintype', 'latin': 'latintype', 'antiqua': 'latintype', 'roman': 'latintype',
      'large': 'larger', 'larger': 'larger', 'big': 'larger', 'x-large': 'larger',
      'small': 'smaller', 'smaller': 'smaller', 'x-small': 'smaller',
      'center': 'center', 'centre': 'center', 'centered': 'center', 'centred': 'center',
      'right': 'right', 'align-right': 'right', 'flush-right': 'right',
      'left': 'left', 'align-left': 'left', 'flush-left': 'left',
      'indent': 'indent', 'indented': 'indent'}"/>

  <!-- The rendition tokens of an element, in a fixed order, each once. -->
  <xsl:function name="tk:rend-tokens" as="xs:string*">
    <xsl:param name="element" as="element()"/>
    <!-- most elements say nothing about their looks: answer them at once -->
    <xsl:sequence select="if ($element/(@rend | @style | @rendition)) then tk:rend-tokens-of($element) else ()"/>
  </xsl:function>

  <xsl:function name="tk:rend-tokens-of" as="xs:string*">
    <xsl:param name="element" as="element()"/>
    <xsl:variable name="found" as="xs:string*" select="(
        tokenize(lower-case(normalize-space($element/@rend)), '[\s,;]+') ! tk:rend-word(.),
        tk:css-tokens(string($element/@style)),
        tokenize(normalize-space($element/@rendition), ' ') ! tk:rendition-tokens(., $element))"/>
    <xsl:sequence select="distinct-values($found)"/>
  </xsl:function>

  <!-- The token a @rend word stands for, or (). -->
  <xsl:function name="tk:rend-word" as="xs:string?">
    <xsl:param name="word" as="xs:string"/>
    <xsl:variable name="key" as="xs:string" select="replace(lower-case($word), '[_\s]+', '-')"/>
    <xsl:sequence select="$tk:rend-words($key)"/>
  </xsl:function>

  <!-- The tokens of a @rendition pointer: the CSS of the <rendition> it names, else the word. -->
  <xsl:function name="tk:rendition-tokens" as="xs:string*">
    <xsl:param name="pointer" as="xs:string"/>
    <xsl:param name="context" as="element()"/>
    <xsl:variable name="id" as="xs:string" select="replace($pointer, '^.*#', '')"/>
    <xsl:variable name="rendition" as="element(tei:rendition)?"
        select="if (starts-with($pointer, '#') and root($context) instance of document-node())
                then key('tk:id', $id, root($context))[self::tei:rendition][1] else ()"/>
    <xsl:variable name="css" as="xs:string*"
        select="$rendition[not(@scheme ne 'css')] ! tk:css-tokens(string(.))"/>
    <xsl:sequence select="if (exists($css)) then $css
        else (($rendition ! tk:rend-word(normalize-space(.))), tk:rend-word($id))[1]"/>
  </xsl:function>

  <!-- The tokens of CSS declarations: an allow-list of properties and values;
       everything else (url(), expressions, positions, colours …) is ignored. -->
  <xsl:function name="tk:css-tokens" as="xs:string*">
    <xsl:param name="css" as="xs:string?"/>
    <xsl:for-each select="tokenize(lower-case(string($css)), ';')[contains(., ':')]">
      <xsl:variable name="property" as="xs:string" select="normalize-space(substring-before(., ':'))"/>
      <xsl:variable name="value" as="xs:string"
          select="normalize-space(replace(substring-after(., ':'), '!\s*important', ''))"/>
      <xsl:sequence select="tk:css-token($property, $value)"/>
    </xsl:for-each>
  </xsl:function>

  <xsl:function name="tk:css-token" as="xs:string*">
    <xsl:param name="property" as="xs:string"/>
    <xsl:param name="value" as="xs:string"/>
    <xsl:variable name="words" as="xs:string*" select="tokenize($value, '\s+')"/>
    <xsl:choose>
      <xsl:when test="$property = 'font-style'">
        <xsl:sequence select="'italic'[$words = ('italic', 'oblique')]"/>
      </xsl:when>
      <xsl:when test="$property = 'font-weight'">
        <xsl:sequence select="'bold'[$words = ('bold', 'bolder', '600', '700', '800', '900')]"/>
      </xsl:when>
      <xsl:when test="$property = ('text-decoration', 'text-decoration-line')">
        <xsl:sequence select="(if ($words = 'underline') then
            (if ($words = 'double') then 'double-underline' else 'underline') else (),
            'strikethrough'[$words = 'line-through'], 'overline'[$words = 'overline'])"/>
      </xsl:when>
      <xsl:when test="$property = 'vertical-align'">
        <xsl:sequence select="('superscript'[$words = ('super', 'top', 'text-top')],
                               'subscript'[$words = ('sub', 'bottom', 'text-bottom')])"/>
      </xsl:when>
      <xsl:when test="$property = ('font-variant', 'font-variant-caps')">
        <xsl:sequence select="'smallcaps'[$words = ('small-caps', 'all-small-caps')]"/>
      </xsl:when>
      <xsl:when test="$property = 'letter-spacing'">
        <xsl:sequence select="'spaced'[not($words = ('normal', '0', '0em', '0px', 'initial', 'inherit'))
            and not(starts-with($value, '-'))]"/>
      </xsl:when>
      <xsl:when test="$property = 'text-transform'">
        <xsl:sequence select="$words[. = ('uppercase', 'lowercase')]"/>
      </xsl:when>
      <xsl:when test="$property = 'text-align'">
        <xsl:sequence select="$words[. = ('center', 'right', 'left')]"/>
      </xsl:when>
      <xsl:when test="$property = ('font-family', 'font')">
        <xsl:sequence select="'monospace'[matches($value, 'monospace|courier|mono')]"/>
      </xsl:when>
      <xsl:when test="$property = 'font-size'">
        <xsl:sequence select="('larger'[$words = ('larger', 'large', 'x-large', 'xx-large')],
                               'smaller'[$words = ('smaller', 'small', 'x-small', 'xx-small')])"/>
      </xsl:when>
      <xsl:when test="$property = ('text-indent', 'margin-left', 'padding-left')">
        <xsl:sequence select="'indent'[matches($value, '^[1-9]')]"/>
      </xsl:when>
    </xsl:choose>
  </xsl:function>

</xsl:stylesheet>

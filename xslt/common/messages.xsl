<?xml version="1.0" encoding="UTF-8"?>
<!--
  teikit common layer: messages.xsl
  =================================
  The one way teikit stylesheets report problems that do not stop the
  transformation. Each is an xsl:message whose content is

    <tk:diagnostic code="unsafe-url" severity="warning"
                   path="/Q{…}TEI[1]/…/@target" document="file:/…/letter.xml">text</tk:diagnostic>

  teikit (render.py) reads the element, maps @path back to the line of the
  source document and reports a Diagnostic (source "xslt", code as given).
  Other XSLT processors simply print the message.

  Your own stylesheets may emit the same element to get located diagnostics.
-->
<xsl:stylesheet version="3.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:tei="http://www.tei-c.org/ns/1.0"
    xmlns:tk="https://teikit.org/ns/xslt"
    exclude-result-prefixes="#all">

  <!-- Report a finding of $severity (info | warning | error) about $node; returns (). -->
  <xsl:function name="tk:report" as="empty-sequence()">
    <xsl:param name="severity" as="xs:string"/>
    <xsl:param name="code" as="xs:string"/>
    <xsl:param name="message" as="xs:string"/>
    <xsl:param name="node" as="node()?"/>
    <xsl:message error-code="Q{{https://teikit.org/ns/xslt}}{$code}">
      <tk:diagnostic code="{$code}" severity="{$severity}"
          path="{if ($node) then path($node) else ''}"
          document="{if ($node) then base-uri(root($node)) else ''}">
        <xsl:value-of select="$message"/>
      </tk:diagnostic>
    </xsl:message>
  </xsl:function>

  <!-- Report a warning about $node; returns (), so it can sit in any expression. -->
  <xsl:function name="tk:warn" as="empty-sequence()">
    <xsl:param name="code" as="xs:string"/>
    <xsl:param name="message" as="xs:string"/>
    <xsl:param name="node" as="node()?"/>
    <xsl:sequence select="tk:report('warning', $code, $message, $node)"/>
  </xsl:function>

  <!-- Stop: the input cannot be rendered (never returns; typed item()* so it fits
       any expression). The description starts with the code,
       because saxonche hands Python only the description. -->
  <xsl:function name="tk:fail" as="item()*">
    <xsl:param name="code" as="xs:string"/>
    <xsl:param name="message" as="xs:string"/>
    <xsl:sequence select="error(QName('https://teikit.org/ns/xslt', 'tk:' || $code),
        '[tk:' || $code || '] ' || $message)"/>
  </xsl:function>

  <!-- Stop unless the input is a TEI document. -->
  <xsl:function name="tk:require-tei" as="element(tei:TEI)">
    <xsl:param name="doc" as="document-node()"/>
    <xsl:sequence select="if ($doc/tei:TEI) then $doc/tei:TEI
        else if ($doc/tei:teiCorpus) then tk:fail('tei-corpus', 'the input is a teiCorpus holding '
            || count($doc//tei:TEI) || ' TEI document' || ('s'[count($doc//tei:TEI) ne 1])
            || ', which teikit does not split into outputs yet: no output is made for this file'
            || ' (the index and the exports count its documents); give each TEI document a file'
            || ' of its own to render it')
        else tk:fail('not-tei', 'the input is not a TEI document (root: '
                     || (name($doc/*), 'none')[1] || '); only TEI P5 documents can be rendered')"/>
  </xsl:function>

</xsl:stylesheet>

<?xml version="1.0" encoding="UTF-8"?>
<!--
  teikit common layer: common.xsl
  ================================
  Entry point of the shared layer. Every output format (html/, print/, text/)
  imports this one file and gets:

    params.xsl     global parameters shared by all formats (register, site root …)
    functions.xsl  typed tk: functions (ids, URL safety, register look-ups, Typst escaping)
    messages.xsl   tk:warn, the one way a stylesheet reports a located warning
    rendition.xsl  tk:rend-tokens: @rend, @rendition and @style as a closed vocabulary
    i18n.xsl       tk:msg: the interface's words in $ui-lang, from the catalogs in i18n/

  Conventions for every teikit stylesheet:
  * version="3.0", no xsl:package; namespace tk = https://teikit.org/ns/xslt.
  * every global parameter has @as and a one-line doc comment just above it;
  * warnings are xsl:message carrying a tk:diagnostic element (see messages.xsl),
    which teikit's Python side turns into a located Diagnostic;
  * fatal problems are error(QName('https://teikit.org/ns/xslt', 'tk:CODE'), '[tk:CODE] …').
-->
<xsl:stylesheet version="3.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:tei="http://www.tei-c.org/ns/1.0"
    xmlns:tk="https://teikit.org/ns/xslt"
    exclude-result-prefixes="#all">

  <xsl:include href="params.xsl"/>
  <xsl:include href="functions.xsl"/>
  <xsl:include href="messages.xsl"/>
  <xsl:include href="rendition.xsl"/>
  <xsl:include href="i18n.xsl"/>

  <!-- Register look-up by xml:id (the third argument of key() picks the document). -->
  <xsl:key name="tk:id" match="*[@xml:id]" use="string(@xml:id)"/>

</xsl:stylesheet>

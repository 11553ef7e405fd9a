<?xml version="1.0" encoding="UTF-8"?>
<!--
  teikit common layer: params.xsl
  ===============================
  Global parameters shared by every output format. Format-specific parameters
  live in the format's entry stylesheet (html/html.xsl, print/print.xsl).
  All parameters are typed; teikit converts the strings it is given to these types.
-->
<xsl:stylesheet version="3.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:tei="http://www.tei-c.org/ns/1.0"
    xmlns:tk="https://teikit.org/ns/xslt"
    exclude-result-prefixes="#all">

  <!-- The register (TEI with listPerson/listPlace/listOrg/listBibl) as a document node; wins
       over register-uri. teikit passes the edition's registers, merged into one, by canonical id. -->
  <xsl:param name="register" as="document-node()?" select="()"/>

  <!-- URI of the register, read with doc() when no register document node is given (for use outside teikit). -->
  <xsl:param name="register-uri" as="xs:string?" select="()"/>

  <!-- The register's records by xml:id, as tk:register-records($register) returns
       them; computed from the register when not given. teikit computes them once
       per batch. -->
  <xsl:param name="register-records" as="map(xs:string, map(xs:string, xs:string))?"
      select="()"/>

  <!-- The edition model's results (teikit passes them; used outside teikit the
       stylesheets fall back to looking at the TEI themselves): -->

  <!-- What the document is: letter, register, introduction, drama, edition or other. -->
  <xsl:param name="kind" as="xs:string?" select="()"/>

  <!-- The document's own title, and its short title. -->
  <xsl:param name="title" as="xs:string?" select="()"/>
  <xsl:param name="short-title" as="xs:string?" select="()"/>

  <!-- The edition's title. -->
  <xsl:param name="edition-title" as="xs:string?" select="()"/>

  <!-- The canonical entity id (a key of the register records) each mention names,
       by the mention's number among the elements of its document in document
       order, the root element = 1 ("N:" + number for the N-th of $documents, see
       tk:entity-key); for @resp, by that key || '/@resp', the ids separated by spaces. -->
  <xsl:param name="entities" as="map(xs:string, xs:string)?" select="()"/>

  <!-- $entities as a JSON object, which teikit gives instead: one string crosses
       into Saxon, not two values per mention (125,000 mentions: 150 MB and 7 s). -->
  <xsl:param name="entities-json" as="xs:string?" select="()"/>
  <xsl:variable name="tk:entities" as="map(xs:string, xs:string)?"
      select="if (exists($entities-json)) then parse-json($entities-json) else $entities"/>

  <!-- The documents of the edition, in reading order (the tk:edition entry point). -->
  <xsl:param name="documents" as="document-node()*" select="()"/>

  <!-- Kinds, titles and short titles of $documents, in the same order. -->
  <xsl:param name="kinds" as="xs:string*" select="()"/>
  <xsl:param name="titles" as="xs:string*" select="()"/>
  <xsl:param name="short-titles" as="xs:string*" select="()"/>

  <!-- Relative path from the generated page to the site root, ending in "/" (or empty: same folder). -->
  <xsl:param name="site-root" as="xs:string" select="''"/>

  <!-- Base URL (http or https) that relative image and facsimile URLs (graphic/@url,
       pb/@facs) are resolved against, e.g. the edition's image server; empty: as written. -->
  <xsl:param name="resource-base" as="xs:string?" select="()"/>

  <!-- Language used when the document declares none on its root (BCP 47). -->
  <xsl:param name="default-lang" as="xs:string" select="'en'"/>

  <!-- The register actually used: the node, else the URI, else nothing (entities are then not linked). -->
  <xsl:variable name="tk:register" as="document-node()?"
      select="if (exists($register)) then $register
              else if ($register-uri and doc-available($register-uri)) then doc($register-uri)
              else ()"/>

  <!-- The register's records (lazily computed: only pages with mentions need them). -->
  <xsl:variable name="tk:records" as="map(xs:string, map(xs:string, xs:string))"
      select="if (exists($register-records)) then $register-records
              else tk:register-records($tk:register)"/>

</xsl:stylesheet>

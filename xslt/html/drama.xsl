<?xml version="1.0" encoding="UTF-8"?>
<!--
  teikit HTML: drama.xsl (TEI chapter "Performance Texts")
  ========================================================
  Speeches (sp) as blocks with the speaker on a line of their own; stage
  directions as blocks where they stand between speeches and inline (in
  italics, by teikit.css) inside a speech's text; the cast list as a list
  with its groups; the setting (set). Included by html.xsl.
-->
<xsl:stylesheet version="3.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:tei="http://www.tei-c.org/ns/1.0"
    xmlns:tk="https://teikit.org/ns/xslt"
    exclude-result-prefixes="#all">

  <xsl:template match="tei:sp | tei:spGrp">
    <div>
      <xsl:call-template name="tk:attributes">
        <xsl:with-param name="class" select="'tk-' || local-name()"/>
      </xsl:call-template>
      <xsl:apply-templates/>
    </div>
  </xsl:template>

  <!-- The speaker links to the cast entry the speech's @who names (the edition
       model resolves it, see $entities), when there is one. -->
  <xsl:template match="tei:speaker">
    <xsl:variable name="record" as="map(xs:string, xs:string)?"
        select="parent::tei:sp[@who] ! tk:mention-record(.)"/>
    <p>
      <xsl:call-template name="tk:attributes">
        <xsl:with-param name="class" select="'tk-speaker'"/>
      </xsl:call-template>
      <xsl:choose>
        <xsl:when test="exists($record) and empty(.//(tei:ref | tei:ptr | tei:note))">
          <a href="{tk:record-href($record)}" class="tk-entity tk-{$record?kind}"
              title="{($record?note[. ne ''], $record?name)[1]}">
            <xsl:apply-templates/>
          </a>
        </xsl:when>
        <xsl:otherwise>
          <xsl:apply-templates/>
        </xsl:otherwise>
      </xsl:choose>
    </p>
  </xsl:template>

  <!-- A stage direction between speeches or lines is a block; inside the text
       of a speech (a paragraph, a line, the speaker) it stays inline. -->
  <xsl:template match="tei:stage | tei:move | tei:view | tei:camera | tei:sound | tei:caption | tei:tech">
    <xsl:element name="{if (tk:is-block(.) or parent::tei:lg) then 'p' else 'span'}">
      <xsl:call-template name="tk:attributes">
        <xsl:with-param name="class" select="string-join(('tk-stage', ('tk-' || local-name())[. ne 'tk-stage'],
            @type ! ('tk-stage-' || tk:safe-id(.))), ' ')"/>
      </xsl:call-template>
      <xsl:apply-templates/>
    </xsl:element>
  </xsl:template>

  <!-- ================================================= the cast list -->

  <xsl:template match="tei:castList">
    <section>
      <xsl:call-template name="tk:attributes">
        <xsl:with-param name="class" select="'tk-castList'"/>
      </xsl:call-template>
      <xsl:apply-templates select="tei:head"/>
      <ul class="tk-cast">
        <xsl:apply-templates select="tei:castItem | tei:castGroup"/>
      </ul>
      <xsl:apply-templates select="* except (tei:head | tei:castItem | tei:castGroup)"/>
    </section>
  </xsl:template>

  <xsl:template match="tei:castList/tei:head | tei:castGroup/tei:head">
    <p>
      <xsl:call-template name="tk:attributes">
        <xsl:with-param name="class" select="'tk-head'"/>
      </xsl:call-template>
      <xsl:apply-templates/>
    </p>
  </xsl:template>

  <xsl:template match="tei:castGroup">
    <li>
      <xsl:call-template name="tk:attributes">
        <xsl:with-param name="class" select="'tk-castGroup'"/>
      </xsl:call-template>
      <xsl:apply-templates select="tei:head"/>
      <ul class="tk-cast">
        <xsl:apply-templates select="tei:castItem | tei:castGroup"/>
      </ul>
      <xsl:apply-templates select="* except (tei:head | tei:castItem | tei:castGroup)"/>
    </li>
  </xsl:template>

  <xsl:template match="tei:castItem">
    <li>
      <xsl:call-template name="tk:attributes">
        <xsl:with-param name="class" select="'tk-castItem'"/>
      </xsl:call-template>
      <xsl:apply-templates/>
    </li>
  </xsl:template>

  <xsl:template match="tei:role | tei:roleDesc | tei:actor">
    <span>
      <xsl:call-template name="tk:attributes">
        <xsl:with-param name="class" select="'tk-' || local-name()"/>
      </xsl:call-template>
      <xsl:apply-templates/>
    </span>
  </xsl:template>

  <xsl:template match="tei:set | tei:performance | tei:prologue | tei:epilogue">
    <div>
      <xsl:call-template name="tk:attributes">
        <xsl:with-param name="class" select="'tk-' || local-name()"/>
      </xsl:call-template>
      <xsl:apply-templates/>
    </div>
  </xsl:template>

</xsl:stylesheet>

"""The whole project, not one file.

Files named on the command line are reported; the project modules they
import are read for facts only, through per-module *summaries*
(:mod:`~lossflint.project.summary`) computed once per module and cached by
content (:mod:`~lossflint.project.summary_cache`). See
``docs/project-analysis.md``.

- ``layout``: the project root and the resolution of imports to its files;
- ``imports``: the imports of a text, found cheaply (``ast``);
- ``summary``: the summary data model and its JSON form;
- ``summarize``: a module's analysis → its summary;
- ``callers``: who calls a module's functions from other files (the reverse
  of the import graph, bounded), for parameters pinned by those calls;
- ``summary_cache``: summaries on disk, content-addressed;
- ``store``: the summaries of a run, on demand, with import cycles settled;
- ``context``: what the analysis of one file may ask about the project;
- ``driver``: how the entry points set that up around a lint.
"""

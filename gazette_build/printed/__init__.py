"""The printed edition, one WeasyPrint layout per issue.

Read top-down: `layout` renders an issue's print HTML and lays it out (or takes it from the
`cache`), reading files only through the `fetcher`; `pages` finds where each document landed;
`cut` copies each document's pages into a PDF of its own; `fonts` resolves the faces of each
typographic role and checks that they hold every character.
"""

"""The site's full-text search index: Pagefind over the built document pages, no server needed.

Read top-down: `parts` says which documents go into which part of the index (and what the
site's own search page reads), `indexing` makes the parts whose pages changed and takes the
others back from the stored memo, through the Pagefind processes of `indexer`; `reuse` gives
a part made again its last bundle, `edits` the pages edited in a group of years a part of
their own instead, `indexedtext` what Pagefind reads of a page; `numbers` writes the lookup
of documents by 文号.

Pagefind's extended binary (PyPI `pagefind[extended]`) segments Chinese at indexing time, so a
reader's query for 河长 or 充电 matches words inside running text. Only document pages are
indexed, and only what their template marks (`data-pagefind-body` on the article; the 文件信息
table is `data-pagefind-ignore` but gives the filters year/section/issuer and the metadata 文号
and issue shown in the results). The index goes under `pagefind/` beside the pages; the search
page (`search/index.html`) and its script `assets/search.js` read it in the browser.

The indexer is the pagefind wheel's own binary, started as the build begins
(`indexing.start_indexer`: it loads its Chinese dictionary meanwhile) and given the document
pages, linked into a folder of its own beside the output, as soon as they are rendered; it
indexes on every core while the build makes its data files and feeds, and reads nothing from
the network. Its bundle is read back as bytes, so the index joins the other output files and is
swapped in with them. The index is made in parts, because Pagefind cannot add to an index: the
newest issue's documents (`pagefind/`, where editors work), the newest year's other issues'
(`pagefind/archive/2024-2024/`) and the earlier years' in a few parts of whole years, each of
at most ~4,000 documents (`pagefind/archive/2008-2015/`: `parts.archive_groups`), merged into
the first by the search page with Pagefind's `mergeIndex`, which searches them with the first
part's WebAssembly (a reader downloads each part's entry file, its metadata and the word chunks
the query needs from it).
A build with the stored memo keeps each part under the digest of the pages it indexed, so an
edit in the newest issue indexes its ~6 pages again (0.28 s at 1,500 documents where the
newest year's 60 took 0.46 s: most of an edit's rebuild, for 7-15 % more bytes on a reader's
first query), one earlier in the year that year's part, and an edit in an earlier year (a
status, a 勘误's link back) only its group of years, not the whole archive (at 1,500 documents
576 pages instead of 1,440: the rebuild 0.33× of a cold build instead of 0.70×, `make bench`).
More groups would make it shorter and every reader's first query longer (`ARCHIVE_PARTS`).
An edit in a large group of years indexes only the edited pages: the group keeps its bundle,
and they go into `pagefind/archive/edits/`, their old entries listed as superseded, until
more than a few have changed (`edits`: 0.71 s at 1,500 documents where the group took 2.3 s).
A part made again starts from its last bundle, whose files Pagefind names after their contents
and does not write again (`reuse`): after a title edited in a group of years, it compresses
one page's fragment and a few word chunks, not 576 fragments (2.3 s instead of 3.1 s at 1,500
documents); a build without its stored results starts each part from the bundle published in
the output folder, each file read and checked against its name.
A page changed only where Pagefind does not read (`indexedtext`) leaves its part as it was: a
勘误 published in the newest issue puts a notice on the page of the document it corrects, years
back, which the index leaves out (`data-pagefind-ignore`: it is the site's note, not the text).
"""

"""The structure tree of a tagged issue (`print: {tagged: true}`), carried into the PDFs of its
documents.

WeasyPrint tags an issue in document order: a /Document element whose children are the blocks
of each page in turn (a paragraph crossing a page is one element per page), each marked-content
sequence of a page's content stream tied to its element through the /ParentTree. A document cut
out of the issue keeps its pages' content streams unchanged, so it gets the elements of its own
pages, re-parented under a /Document of its own, and the /ParentTree entries of those pages.
Copying the issue's tree as it stands would drag every page of the issue along (each element
names its page and its parent).
"""
from __future__ import annotations

import pikepdf


def carry_structure(source: pikepdf.Pdf, cut: pikepdf.Pdf, kept: range) -> None:
    """Give `cut` (the pages `kept` of `source`, in order) the structure of those pages."""
    root = source.Root.get("/StructTreeRoot")
    if root is None:
        return
    pages = {source.pages[index].objgen: cut.pages[position].obj
             for position, index in enumerate(kept)}
    annotations = _annotations(source, cut, kept)
    copies: dict[tuple[int, int], pikepdf.Object] = {}
    document = cut.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructElem,
                                                    S=pikepdf.Name.Document, K=pikepdf.Array()))
    for top in root.K[0].K:
        if top.get("/Pg") is not None and top.Pg.objgen in pages:
            document.K.append(_copy(top, document, cut, pages, annotations, copies))

    def copy_of(element):
        """The copy of an element of a kept page; the running heads' elements are in no
        tree (WeasyPrint maps their content but links them nowhere): they stay so."""
        page = element.get("/Pg")
        if element.objgen not in copies and page is not None and page.objgen in pages:
            _copy(element, document, cut, pages, annotations, copies)
        return copies.get(element.objgen)

    new_root = cut.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.StructTreeRoot, K=pikepdf.Array([document]),
        ParentTree=cut.make_indirect(pikepdf.Dictionary(
            Nums=_parent_tree(root.ParentTree.Nums, copy_of)))))
    document.P = new_root
    cut.Root.StructTreeRoot = new_root
    cut.Root.MarkInfo = pikepdf.Dictionary(Marked=True)
    cut.Root.ViewerPreferences = pikepdf.Dictionary(DisplayDocTitle=True)


def _copy(element, parent, cut: pikepdf.Pdf, pages: dict, annotations: dict,
          copies: dict) -> pikepdf.Object:
    new = cut.make_indirect(pikepdf.Dictionary(P=parent))
    copies[element.objgen] = new
    for key, value in element.items():
        if key == "/P":
            continue
        if key == "/Pg":
            new.Pg = pages[value.objgen]
        elif key == "/K":
            new.K = pikepdf.Array(_kid(kid, new, cut, pages, annotations, copies)
                                  for kid in (value if isinstance(value, pikepdf.Array)
                                              else [value]))
        else:
            new[key] = _value(value, cut)
    return new


def _value(value, cut: pikepdf.Pdf):
    """An attribute of an element (/A, /Alt, /Lang…) owned by `cut`: pikepdf copies indirect
    objects between files, direct containers are rebuilt."""
    if value.is_indirect:
        return cut.copy_foreign(value)
    if isinstance(value, pikepdf.Dictionary):
        return pikepdf.Dictionary({key: _value(item, cut) for key, item in value.items()})
    if isinstance(value, pikepdf.Array):
        return pikepdf.Array(_value(item, cut) for item in value)
    return value


def _kid(kid, parent, cut, pages, annotations, copies):
    if not isinstance(kid, pikepdf.Dictionary):
        return kid  # an MCID: a marked-content sequence of the element's page
    if kid.get("/Type") == "/MCR":
        return pikepdf.Dictionary(Type=pikepdf.Name.MCR, MCID=kid.MCID, Pg=pages[kid.Pg.objgen])
    if kid.get("/Type") == "/OBJR":  # a link annotation
        return pikepdf.Dictionary(Type=pikepdf.Name.OBJR, Obj=annotations[kid.Obj.objgen],
                                  Pg=pages[kid.Pg.objgen])
    return _copy(kid, parent, cut, pages, annotations, copies)


def _annotations(source: pikepdf.Pdf, cut: pikepdf.Pdf, kept: range) -> dict:
    """{source annotation: its copy on the cut page}: page copies keep their /Annots order."""
    mapping = {}
    for position, index in enumerate(kept):
        old = source.pages[index].obj.get("/Annots", [])
        new = cut.pages[position].obj.get("/Annots", [])
        mapping.update((a.objgen, b) for a, b in zip(old, new))
    return mapping


def _parent_tree(nums, copy_of) -> pikepdf.Array:
    """The issue's /ParentTree entries of the kept pages (keyed by their /StructParents, which
    the page copies keep) and of their annotations, pointing at the copied elements."""
    entries = pikepdf.Array()
    for key, value in zip(nums[::2], nums[1::2]):
        if isinstance(value, pikepdf.Array):
            mapped = [copy_of(element) for element in value]
            if mapped and all(element is not None for element in mapped):
                entries.extend([key, pikepdf.Array(mapped)])
        elif copy_of(value) is not None:
            entries.extend([key, copy_of(value)])
    return entries

"""gazette_build: the publishing system of 晋中市人民政府公报 — web edition, print edition, preview."""

__version__ = "0.1.0"

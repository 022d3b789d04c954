"""The authentic record: links between documents (勘误, 废止, 修改), frozen published issues and
signed PDFs with their verification."""

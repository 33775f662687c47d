// Ask before removing a document; a refusal sends no document id.
(docId, selected) => [
  (docId && confirm('Remove this document from the corpus and the index?')) ? docId : null, selected]

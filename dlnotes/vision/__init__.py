"""The notes' computer-vision applications: YOLO boxes (IoU, non-max suppression),
face recognition (triplet loss, verification) and neural style transfer."""

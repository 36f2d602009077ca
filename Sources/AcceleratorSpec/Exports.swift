@_exported import SparseCNN

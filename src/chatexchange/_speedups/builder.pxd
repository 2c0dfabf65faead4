# C declarations that compile src/chatexchange/talk/builder.py into chatexchange._speedups.builder.

cdef class GraphBuilder:
    cdef public object graph
    cdef public object current

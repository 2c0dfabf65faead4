# C declarations that compile src/chatexchange/talk/utils.py (Cython pure-Python mode) into
# chatexchange._speedups.utils. The .py file is the only source; this file adds types.

cdef object _PATTERN

cpdef bint is_number(object n)
cpdef bint is_list(object v)
cpdef bint is_string(object s)
cpdef bint is_regex(object r)
cpdef bint is_dict(object d)
cpdef bint is_function(object f)
cpdef Py_ssize_t get_len(object o)


cdef class DictChangeOperation:
    cdef readonly object _dict, _type, _key, _value, _old_value

    cpdef do(self)
    cpdef undo(self)
    cpdef bint merge(self, DictChangeOperation other)


cdef class DictChangeGroup:
    cdef readonly list _changes

    cpdef add(self, DictChangeOperation change, bint do=*)
    cpdef do(self)
    cpdef undo(self)

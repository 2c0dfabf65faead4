# C declarations that compile src/chatexchange/talk/core.py (Cython pure-Python mode) into
# chatexchange._speedups.core. The .py file is the only source; this file adds types.
#
# PUBLISHED for the other engine .pxd files (elements.pxd, process.pxd cimport these; keep stable):
#   cdef class Handler(Abstract):
#       cdef list _events                      # (Condition, Event) pairs (property `events`);
#                                              # None while _lazy (built by _build_own)
#       cdef bint _lazy
#       cdef list _pairs(self)                 # _events, built first when _lazy
#       cdef _build_own(self)                  # build the pairs left out (Element overrides)
#       cdef frozenset _tags                   # current tags (property `tags`)
#       cdef Event _unknown_event              # property `unknown_event`
#       cdef dict _plans                       # tag state -> _Plan
#       cdef _Plan _plan                       # active plan, None until needed
#       cdef frozenset _plan_tags
#       cpdef handle(self, message, context)   # -> (result, rank, source) | (result, source)
#       cpdef update(self)                     # ask update_tags(), switch plan on a change
#       cpdef update_tags(self)                # override (cpdef) to compute tags
#       cpdef update_events(self)
#       cdef _Plan _activate(self, frozenset tags)
#       cdef _changed(self)                    # call after changing `events` directly
#       cdef _Plan _current_plan(self)
#   Access.call(message, context), Condition.check(message, context), Event.run(message, context)
#   are cpdef.

cimport cython

cdef int _CALL_VALUE, _CALL_ABSTRACT, _CALL_ARGS, _CALL_KWARGS, _CALL_BOTH, _CALL_NONE
cdef int _CALL_MAPPED, _CALL_MAPPED_KW
cdef frozenset _WRITTEN
cdef int _K_CUSTOM, _K_FUNCTION, _K_COMPARE, _K_LIST, _K_STRING, _K_STRING_SEARCH
cdef int _K_REGEX, _K_REGEX_SEARCH, _K_BOOLEAN
cdef tuple _NO_CHECK, _NO_HANDLE
cdef Py_ssize_t _MAX_PLANS, _SCAN_LIMIT, _FIRST_CHARS_LIMIT
cdef str _SENDER, _RANK, _CONDITION, _EVENT, _RESULT, _ANSWER


cdef dict _function_types, _signatures
cdef frozenset _ENGINE_MODULES
cdef object _MethodType, _FunctionType, _ReferenceType, _OwnFunctionType
cdef frozenset _NO_TAGS
cdef bint _function_like(f) except -1
@cython.locals(entry=list, bound=bint)
cdef tuple _strategy(f)


cdef class Abstract:
    pass


cdef class Access(Abstract):
    cdef readonly object _value
    cdef readonly str _mode
    cdef readonly object _spec
    cdef readonly int _call_kind
    cdef readonly tuple _names, _defaults, _kwnames, _kwdefaults
    cdef readonly bint _sees_dict, _reads_text, _reads_state

    cdef _setup(self, value)

    @cython.locals(kind=int, ctx=dict, names=tuple, defaults=tuple, n=Py_ssize_t, i=Py_ssize_t)
    cpdef call(self, message, context)


cdef class Condition(Access):
    cdef readonly frozenset _tags
    cdef readonly bint _ignore_case, _search
    cdef readonly dict _options
    cdef readonly tuple _conditions
    cdef readonly Py_ssize_t _length
    cdef readonly object _matcher
    cdef readonly int _kind

    cdef _setup_condition(self, value, tuple tags, ignore_case, search, dict options)

    @cython.locals(kind=int, text=unicode, condition=Condition, best=tuple, checked=tuple,
                   pos=Py_ssize_t)
    cpdef check(self, message, context)


cdef tuple _function_rank(object r)


cdef class TrueCondition(Condition):
    cpdef check(self, message, context)


cdef class Event(Access):
    cdef public Event pre_event, post_event

    @cython.locals(answer=tuple)
    cpdef run(self, message, context)


@cython.locals(access=Access)
cpdef Access _access_of(value)
@cython.locals(condition=Condition)
cpdef Condition _condition_of(value, tuple tags)
@cython.locals(event=Event)
cpdef Event _event_of(value)


cdef tuple _bucket(list entries)


@cython.final
cdef class _Plan:
    cdef readonly tuple pairs, generic, regex, regex_indexed, indexed
    cdef readonly dict strings, regex_index, regex_pairs
    cdef readonly bint textual


cdef class Handler(Abstract):
    cdef list _events
    cdef bint _lazy
    cdef frozenset _tags
    cdef Event _unknown_event
    cdef dict _plans
    cdef _Plan _plan
    cdef frozenset _plan_tags
    cdef object __weakref__

    cdef _setup_handler(self)
    cdef list _pairs(self)
    cdef _build_own(self)
    @cython.locals(plan=_Plan, best_pos=Py_ssize_t, pos=Py_ssize_t, condition=Condition,
                   event=Event, text=unicode, bucket=tuple, value=unicode, answer=tuple,
                   values=tuple, positions=tuple, i=Py_ssize_t, tables=tuple, table=dict,
                   length=Py_ssize_t, size=Py_ssize_t, regexes=tuple, head=unicode,
                   seconds=dict)
    cpdef handle(self, message, context)
    cpdef on_access(self, condition, event)
    cpdef update(self)
    cpdef update_tags(self)
    cpdef update_events(self)
    @cython.locals(plan=_Plan)
    cdef _Plan _activate(self, frozenset tags)
    cdef _changed(self)
    cdef _Plan _current_plan(self)


cpdef _Plan _plan_of(Handler handler)

# C declarations that compile src/chatexchange/talk/elements.py (Cython pure-Python mode) into
# chatexchange._speedups.elements. The .py file is the only source; this file adds types.
# Like the compiled Handler, instances of the built-in classes have no __dict__ (a cpdef call then
# needs no override lookup); Python subclasses have one and can override any def/cpdef method.

cimport cython
from chatexchange._speedups.core cimport (
    Abstract, Access, Condition, Event, Handler, _access_of, _condition_of, _event_of)

cdef tuple _NO_HANDLE, _NEXT_MESSAGE
cdef str _S_CASES, _S_NAME, _S_NEW_VALUE, _S_OBJECT, _S_OLD_VALUE, _S_OWNER, _S_SEP, _S_SET_PREFIX
cdef str _S_SUBJECT, _S_SET_SUBJECT, _S_VISIT
cdef tuple _NO_TAGS, _VALUE_TAGS, _FUNCTION_TAGS
cdef frozenset _UNHEARD
cdef str _TEXT, _STATE, _ITERATION, _NEXT
cdef object _INFINITY
cdef frozenset _DIRECT_TYPES, _ONE_CHAR_OPS
cdef dict _LAZY_COUNTS, _SEAL_KINDS
cdef tuple _NOT_BUILTIN
cdef Py_ssize_t _PLAN_CHARS
cdef int _M_TRUE, _M_STR, _M_STR_I, _M_FIND, _M_RE, _M_RE_SEARCH, _M_LIST, _M_NONE, _M_RUN
cdef Py_ssize_t _RUN_SCAN, _RUN_LIMIT


@cython.final
cdef class TextCursor:
    cdef public str source
    cdef public Py_ssize_t pos


cdef bint _looping(context) except -1
cdef bint _state_looping(state) except -1
cpdef bint _access_reads_text(access)
cpdef bint _event_reads_text(event)
cdef dict _reads_cache
@cython.locals(found=tuple)
cdef bint _reads_text_cached(access)

@cython.locals(kind=int, extra=object, rank=object, best_rank=object, n=Py_ssize_t)
cpdef tuple _match_at(tuple matcher, str source, Py_ssize_t pos)
@cython.locals(end=Py_ssize_t, limit=Py_ssize_t, scan=str, only=Py_UCS4)
cdef Py_ssize_t _run_length(chars, str source, Py_ssize_t pos, Py_ssize_t high) except -1
@cython.locals(kind=int, bounds=tuple, n=Py_ssize_t)
cpdef Py_ssize_t _match_rank(tuple matcher, str source, Py_ssize_t pos) except? -2


cdef class Element(Handler):
    cdef Py_ssize_t _builtin_count
    cdef object _owner
    cdef bint _custom
    cdef readonly bint _direct_type, _cursor_type
    cdef readonly tuple _seal_pairs
    cdef object _seal_tags
    cdef object _seal_unknown

    cdef _init_element(self, owner)
    cdef _own(self, condition, event, tuple tags)
    cdef _own_pairs(self)
    cdef _build_own(self)
    cpdef change_property(self, name, value)
    cdef _change(self, name, old, value, bint fresh)
    cpdef _store_property(self, name, value)
    @cython.locals(kinds=tuple, count=Py_ssize_t)
    cpdef _sealed(self)
    cpdef handle(self, message, context)
    cpdef on_access(self, condition, event)
    cpdef bint reads_text(self)
    cdef bint _more_pairs(self) except -1
    cdef bint _untouched(self)
    @cython.locals(events=list, seal=tuple, n=Py_ssize_t, i=Py_ssize_t)
    cdef bint _only_own_pairs(self) except -1
    cdef _dispatch(self, message, dict context)
    @cython.locals(events=list, seal=tuple, event=Event)
    cdef bint _own_event(self, Py_ssize_t index) except -1
    cdef _reply(self, query, dict context, TextCursor cursor, state, bint bare)
    @cython.locals(event=Event, answer=tuple)
    cdef tuple _answer(self, Py_ssize_t index, message, dict context, rank, condition)


cdef class Notion(Element):
    cdef object _name

    cdef _init_notion(self, name, owner)
    cpdef _store_property(self, name, value)

    cdef _reply(self, query, dict context, TextCursor cursor, state, bint bare)


cdef class ActionNotion(Notion):
    @cython.locals(event=Event, cursor=TextCursor, events=list)
    cdef _dispatch(self, message, dict context)
    @cython.locals(event=Event, events=list)
    cdef _reply(self, query, dict context, TextCursor cursor, state, bint bare)


cdef class ComplexNotion(Notion):
    cdef list _relations

    cdef _init_complex(self, name, owner)
    cdef _own_pairs(self)
    cdef _relation_changed(self, relation, old, new, bint fresh)

    @cython.locals(first=str)
    cdef _dispatch(self, message, dict context)
    cdef _reply(self, query, dict context, TextCursor cursor, state, bint bare)


cdef class SelectiveNotion(ComplexNotion):
    cdef object _default
    cdef tuple _plan_relations, _plan_conditions, _plan_any
    cdef Py_ssize_t _plan_room
    cdef object _plan_default
    cdef dict _plan_index
    cdef Py_ssize_t _best_rank, _fold_size
    cdef list _best_more
    cdef object _fold_object
    cdef bint _best_eq

    cdef _relation_changed(self, relation, old, new, bint fresh)
    cdef _own_pairs(self)

    @cython.locals(first=str)
    cdef _dispatch(self, message, dict context)
    @cython.locals(copy=dict, best=list, builtin=Element, answer=tuple, scratch=dict,
                   parsing=ParsingRelation, at=TextCursor)
    cpdef get_best_cases(self, message, dict context)
    @cython.locals(conditions=list, cases=list, chars=set, index=dict, parsing=ParsingRelation,
                   unknown=list, tested=bint)
    cdef bint _make_plan(self) except -1
    @cython.locals(found=list, case=ParsingRelation, plan=tuple)
    cdef tuple _cases_for(self, letter)
    @cython.locals(plan=tuple, relations=list, conditions=tuple, n=Py_ssize_t, i=Py_ssize_t,
                   parsing=ParsingRelation, events=list, event=Event, unknown=Event)
    cdef bint _plan_valid(self) except -1
    @cython.locals(source=str, pos=Py_ssize_t, more=list, top=Py_ssize_t, rank=Py_ssize_t,
                   parsing=ParsingRelation, matcher=tuple, candidates=tuple, index=dict)
    cdef object _best_direct(self, dict context, TextCursor cursor)
    cdef _reply(self, query, dict context, TextCursor cursor, state, bint bare)
    @cython.locals(relations=list, more=list, parsing=ParsingRelation,
                   builtin=Element)
    cdef _selected(self, query, dict context, TextCursor cursor, state, bint fold)
    @cython.locals(parsing=ParsingRelation, top=Py_ssize_t)
    cdef _case_reply(self, case)


cdef _add_prefix(name, prefix)
cdef _tell(element, name, sender, old, new)
@cython.locals(whole=ComplexNotion, notion=Element)
cdef bint _told_directly(element, name, sender, old, new, bint fresh) except -1


cdef class Relation(Element):
    cdef object _subject
    cdef object _object

    @cython.locals(fresh=bint)
    cdef _init_relation(self, subj, obj, owner)
    cpdef _store_property(self, name, value)


cdef class NextRelation(Relation):
    cdef public dict options
    cdef public Condition condition_access

    cdef _init_next(self, subj, obj, condition, owner, dict options)
    cdef _own_pairs(self)
    cpdef set_condition(self, value)

    @cython.locals(first=str, condition=Condition)
    cdef _dispatch(self, message, dict context)
    @cython.locals(condition=Condition)
    cdef _reply(self, query, dict context, TextCursor cursor, state, bint bare)


cdef class ActionRelation(Relation):
    cdef public Access action_access

    cdef _own_pairs(self)
    cdef _act(self, message, dict context)
    @cython.locals(event=Event, cursor=TextCursor)
    cdef _dispatch(self, message, dict context)
    @cython.locals(action=Access)
    cdef _reply(self, query, dict context, TextCursor cursor, state, bint bare)


cdef class ParsingRelation(NextRelation):
    cdef public object optional
    cdef public object check_only
    cdef object _matcher
    cdef object _matcher_for
    cdef object _own_condition
    cdef object _raw_condition
    cdef public object _first
    cdef object _first_test
    cdef object _seal_pair
    cdef Event _seal_event

    cpdef set_condition(self, value)

    cdef object _matcher_of(self, condition)
    @cython.locals(event=Event, unknown=Event, events=list)
    cdef bint _plain(self) except -1
    @cython.locals(first=str, condition=Condition, cursor=TextCursor, unknown=Event)
    cdef _dispatch(self, message, dict context)
    @cython.locals(source=str, pos=Py_ssize_t, matcher=tuple, rank=Py_ssize_t)
    cdef _reply(self, query, dict context, TextCursor cursor, state, bint bare)


cdef class LoopRelation(NextRelation):
    cdef object _raw_condition
    cdef object _kind_for
    cdef tuple _kind_cache

    cpdef set_condition(self, value)
    cdef bint _set_condition(self, value) except -1
    cdef _own_pairs(self)

    cdef tuple _kind(self)
    @cython.locals(high=object)
    cdef object _next_iteration(self, query, state)
    cdef list _loop(self, state)
    cdef list _iteration(self, i)
    @cython.locals(first=str, tags=frozenset)
    cdef _dispatch(self, message, dict context)
    @cython.locals(tags=frozenset, index=int, condition=Condition)
    cdef _reply(self, query, dict context, TextCursor cursor, state, bint bare)


cdef class Graph(Element):
    cdef list _notions
    cdef list _relations
    cdef object _root

    cpdef _store_property(self, name, value)

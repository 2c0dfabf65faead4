# C declarations that compile src/chatexchange/talk/process.py (Cython pure-Python mode) into
# chatexchange._speedups.process: the walk (frames, reply splicing, the direct command dispatch,
# undo records, element states, text by offset) runs as C code; commands stay cpdef, so Python
# subclasses can still override them.

cimport cython
from chatexchange._speedups.core cimport Abstract, Access, Event, Handler
from chatexchange._speedups.elements cimport Element, LoopRelation, SelectiveNotion, TextCursor

cdef tuple _NO_HANDLE
cdef str _S_ADD_CONTEXT, _S_CLEAR_STATE, _S_CURRENT, _S_DELETE_CONTEXT, _S_EMPTY_MESSAGE
cdef str _S_FORGET_CONTEXT, _S_HAS_STATES, _S_LAST_PARSED, _S_MESSAGE, _S_NEW, _S_NEXT, _S_OK
cdef str _S_PARSED_LENGTH, _S_POP_CONTEXT, _S_PROCEED, _S_PUSH_CONTEXT, _S_QUERY, _S_SET_STATE
cdef str _S_STATE, _S_STOP, _S_TEXT, _S_TRACKING, _S_UPDATE_CONTEXT, _S_VISIT
cdef str _S_SENDER, _S_RANK, _S_CONDITION, _S_EVENT
cdef int _C_FINISH, _C_QUERY, _C_PUSH, _C_POP, _C_CLEAR, _C_ADD, _C_UPDATE, _C_DELETE
cdef int _C_PUSH_CONTEXT, _C_POP_CONTEXT, _C_FORGET_CONTEXT, _C_SET_STATE, _C_CLEAR_STATE
cdef int _C_PROCEED, _C_TURN
cdef int _R_NONE, _R_CURRENT, _R_TRACKING, _R_STATES
cdef int _U_KEY, _U_TEXT, _U_PROCEED
cdef object _MISSING
cdef dict _OWN_METHODS
cdef tuple _own_methods(cls)
cdef tuple _DIRECTIONS, _STOP_CRITERIA, _GO_CRITERIA, _SELECTION_HOOKS
cdef dict _FAST_TYPES, _EVENT_COMMANDS, _DICT_KEYS, _FOLD_TYPES
cdef str _ITERATION
cdef tuple _FOLDED_STEPS, _STEP_KEYS
cdef bint _folds(cls) except -1


cdef class Process(Handler):
    cdef dict _context
    cdef object _query
    cdef object _current
    cdef list _message
    cdef list _below_current
    cdef list _below_message
    cdef Py_ssize_t _depth
    cdef dict _str_commands
    cdef list _str_order
    cdef list _dict_commands
    cdef bint _push_callables
    cdef list _builtin
    cdef dict _command_events
    cdef list _command_list
    cdef long _dict_mask
    cdef object _r_value, _r_rank, _r_source, _p_rank, _p_condition, _p_event, _sel_condition
    cdef Py_ssize_t _sel_rank
    cdef int _r_step, _p_step
    cdef bint _pending, _keys_in, _folding, _own_ask, _own_set

    cdef _string_command(self, name, int command, int requires)
    cdef _seal(self)
    @cython.locals(events=list, builtin=list, i=Py_ssize_t, event=Event)
    cdef bint _can_fast(self)
    @cython.locals(depth=Py_ssize_t)
    cdef _push_frame(self, current, list message)
    @cython.locals(depth=Py_ssize_t, below=list)
    cdef _pop_frame(self)
    cpdef handle(self, message, context)
    @cython.locals(head=object, extra=list, kind=object, fuse=bint, stop=bint, stepped=bint,
                   step=int)
    cpdef run(self)
    @cython.locals(context=dict)
    cdef _note(self, rank, condition, event)
    @cython.locals(keys=tuple)
    cdef _note_step(self, int command)
    @cython.locals(context=dict, step=int, keys=tuple)
    cdef _flush(self)
    cdef _forget_keys(self)
    cpdef sync(self)
    cdef int _flags(self)
    @cython.locals(message=list, entry=tuple, best=tuple, top=Py_ssize_t, flags=int, command=int)
    cdef int _select(self)
    cdef bint _dict_ready(self, int command, dict item)
    @cython.locals(context=dict, command=int, event=object)
    cdef _fast_step(self, list extra)
    @cython.locals(shared=SharedProcess, stacking=StackingProcess, stateful=StatefulProcess,
                   parsing=ParsingProcess)
    cdef _execute(self, int command)
    @cython.locals(message=list, builtin=Element)
    cdef bint _fused(self) except -1
    cdef _fold_next(self, item)
    @cython.locals(message=list)
    cpdef do_finish(self)
    cpdef can_push_queue(self)
    @cython.locals(message=list)
    cpdef do_queue_push(self)
    cpdef can_pop_queue(self)
    cpdef do_queue_pop(self)
    cpdef can_clear_message(self)
    cpdef do_clear_message(self)
    @cython.locals(message=list)
    cdef _fold_push(self, item)
    cpdef do_query(self)
    @cython.locals(builtin=Element)
    cpdef ask(self, element)
    @cython.locals(builtin=Element)
    cdef _ask_bare(self, element, state)


cdef class SharedProcess(Process):
    cpdef do_add_context(self)
    cpdef do_update_context(self)
    cpdef do_delete_context(self)
    cpdef context_add(self, key, value)
    cpdef context_set(self, key, value)
    cpdef context_delete(self, key)


cdef _record_in(list group, dict mapping, key)


cdef class StackingProcess(SharedProcess):
    cdef list _undo

    @cython.locals(undo=list)
    cdef _record(self, dict mapping, key)
    cdef _undo_record(self, tuple record)
    cpdef do_push_context(self)
    cpdef do_pop_context(self)
    cpdef do_forget_context(self)


cdef class StatefulProcess(StackingProcess):
    cdef dict _states

    cpdef do_set_state(self)
    cpdef do_clear_state(self)
    cdef _query_bare(self, current)
    cdef _fold_push_query(self, item)
    @cython.locals(context=dict)
    cdef _fold_next(self, item)
    cdef _push_query(self, item)
    @cython.locals(context=dict)
    cdef _ask_in_state(self, current, state)
    @cython.locals(flexible=bint, undo=list, builtin=Element)
    cdef _fold_loop(self, LoopRelation loop, state)


cdef class ParsingProcess(StatefulProcess):
    cdef object _source
    cdef Py_ssize_t _offset
    cdef Py_ssize_t _synced
    cdef object _text_obj
    cdef TextCursor _cursor

    cdef _adopt_text(self)
    cdef _check_text(self)
    cdef _record_text(self)
    @cython.locals(size=object)
    cdef bint _proceed_ready(self, dict item)
    cpdef do_proceed(self)
    @cython.locals(source=str, start=Py_ssize_t, n=Py_ssize_t, end=Py_ssize_t, context=dict,
                   undo=list)
    cdef _proceed(self, size)
    @cython.locals(source=str)
    cdef _fold_proceed(self, Py_ssize_t size, obj, bint checked)
    cpdef do_turn(self)
    @cython.locals(builtin=Element, context=dict, cursor=TextCursor)
    cpdef ask(self, element)
    @cython.locals(cursor=TextCursor)
    cdef TextCursor _cursor_here(self)
    @cython.locals(builtin=Element, cursor=TextCursor, selection=SelectiveNotion)
    cdef _ask_bare(self, element, state)


cdef class VisitorProcess(Process):
    cdef list _visited
    cdef set _visited_ids
    cdef public object visit_event

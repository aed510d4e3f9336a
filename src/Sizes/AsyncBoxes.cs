using System.Runtime.CompilerServices;

namespace TailGuard.Sizes;

/// <summary>
/// The heap object that holds a suspended async operation. On .NET Core, the first await that suspends moves the state
/// machine (copied, when it is a struct) into an <c>AsyncTaskMethodBuilder&lt;TResult&gt;.AsyncStateMachineBox&lt;TStateMachine&gt;</c>,
/// which is also the <c>Task</c> the caller gets: Task, ValueTask and async void builders and the async iterator builder all
/// use it; the pooling ValueTask builder uses its own pooled box.
/// </summary>
public static class AsyncBoxes
{
    private static readonly Type VoidTaskResult =
        typeof(Task).Assembly.GetType("System.Threading.Tasks.VoidTaskResult", throwOnError: true)!;

    private static readonly Type? TaskBox =
        typeof(AsyncTaskMethodBuilder<>).GetNestedType("AsyncStateMachineBox`1", System.Reflection.BindingFlags.NonPublic);

    private static readonly Type? PoolingBox =
        typeof(PoolingAsyncValueTaskMethodBuilder<>).GetNestedType("StateMachineBox`1", System.Reflection.BindingFlags.NonPublic);

    private static readonly Lazy<int> MeasuredOverhead = new(MeasureOverhead);

    /// <summary>
    /// Bytes a suspended operation costs beyond its state machine, for a <c>Task</c>-returning method on the running
    /// runtime: measured once by suspending real operations (see <see cref="MeasureOverhead"/>).
    /// </summary>
    public static int OverheadBytes => MeasuredOverhead.Value;

    /// <summary>
    /// The closed box type the runtime allocates for <paramref name="stateMachine"/>, given the type of its
    /// <c>&lt;&gt;t__builder</c> field; null for a builder this does not know (a custom <c>AsyncMethodBuilder</c>).
    /// </summary>
    public static Type? BoxType(Type builder, Type stateMachine)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(stateMachine);
        var definition = builder.IsGenericType ? builder.GetGenericTypeDefinition() : builder;
        var result = builder.IsGenericType ? builder.GetGenericArguments()[0] : VoidTaskResult;
        if (definition == typeof(AsyncTaskMethodBuilder) || definition == typeof(AsyncTaskMethodBuilder<>)
            || definition == typeof(AsyncValueTaskMethodBuilder) || definition == typeof(AsyncValueTaskMethodBuilder<>)
            || definition == typeof(AsyncVoidMethodBuilder) || definition == typeof(AsyncIteratorMethodBuilder))
        {
            return TaskBox?.MakeGenericType(result, stateMachine);
        }

        if (definition == typeof(PoolingAsyncValueTaskMethodBuilder) || definition == typeof(PoolingAsyncValueTaskMethodBuilder<>))
        {
            return PoolingBox?.MakeGenericType(result, stateMachine);
        }

        return null;
    }

    /// <summary>
    /// Starts <c>count</c> operations of a known state machine (<see cref="SuspendOnce"/>, the shape the compiler gives
    /// <c>async Task M(Task t) =&gt; await t;</c>) that each suspend on their own pending task, and returns the bytes this
    /// thread allocated per operation minus the state machine's own size. The pending tasks are made before the
    /// measurement and complete afterwards, so the box is the only allocation counted. It runs without a
    /// <see cref="SynchronizationContext"/>, as ASP.NET Core does: under one (a UI thread, a test runner) each suspension
    /// also allocates a continuation object that posts back to it, which is the context's cost, not the box's.
    /// </summary>
    public static int MeasureOverhead()
    {
        var previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        try
        {
            return MeasureOverheadWithoutContext();
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }
    }

    private static int MeasureOverheadWithoutContext()
    {
        const int count = 1024;
        var sources = new TaskCompletionSource[count + 1];
        for (var i = 0; i < sources.Length; i++)
        {
            sources[i] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        var operations = new Task[count + 1];
        operations[count] = SuspendOnce.Start(sources[count].Task); // warm-up: first-call work is not the box
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < count; i++)
        {
            operations[i] = SuspendOnce.Start(sources[i].Task);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        foreach (var source in sources)
        {
            source.SetResult();
        }

        Task.WaitAll(operations);
        var perOperation = (int)(allocated / count);
        return perOperation - Unsafe.SizeOf<SuspendOnce>();
    }

    /// <summary>Written out as the C# compiler writes a Release state machine, so its size does not depend on how this library was built.</summary>
    private struct SuspendOnce : IAsyncStateMachine
    {
        private int _state;
        private AsyncTaskMethodBuilder _builder;
        private Task _pending;
        private TaskAwaiter _awaiter;

        public static Task Start(Task pending)
        {
            var machine = new SuspendOnce { _builder = AsyncTaskMethodBuilder.Create(), _state = -1, _pending = pending };
            machine._builder.Start(ref machine);
            return machine._builder.Task;
        }

        public void MoveNext()
        {
            try
            {
                if (_state != 0)
                {
                    var awaiter = _pending.GetAwaiter();
                    if (!awaiter.IsCompleted)
                    {
                        _state = 0;
                        _awaiter = awaiter;
                        _builder.AwaitUnsafeOnCompleted(ref _awaiter, ref this);
                        return;
                    }

                    _awaiter = awaiter;
                }

                _state = -1;
                _awaiter.GetResult();
                _awaiter = default;
            }
            catch (Exception ex)
            {
                _state = -2;
                _builder.SetException(ex);
                return;
            }

            _state = -2;
            _builder.SetResult();
        }

        public void SetStateMachine(IAsyncStateMachine stateMachine) => _builder.SetStateMachine(stateMachine);
    }
}

using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using TailGuard.Analyzers.StateMachines;
using TailGuard.Sizes;
using TailGuard.TestSupport;

namespace TailGuard.RuntimeProbe.Tests.Sizes;

/// <summary>
/// The sizes the inspector reports are the runtime's: each is compared with <c>Unsafe.SizeOf</c> of the same generated type
/// (or, for a class, the bytes the GC allocates for an instance), measured on the same assembly loaded independently; and
/// TG3001's estimate for each method is within 10% of it.
/// </summary>
public sealed class StateMachineInspectorTests
{
    private const double EstimateTolerance = 0.10;

    private static readonly Lazy<SizesReport> ReleaseReport = new(() => StateMachineInspector.Inspect(SizesSamples.Release.Path));
    private static readonly Lazy<SizesReport> DebugReport = new(() => StateMachineInspector.Inspect(SizesSamples.Debug.Path));
    private static readonly Lazy<CompiledStateMachines> ReleaseIndependent = new(() => Independent(OptimizationLevel.Release));
    private static readonly Lazy<CompiledStateMachines> DebugIndependent = new(() => Independent(OptimizationLevel.Debug));

    private static SizesReport Report(OptimizationLevel optimization) => optimization == OptimizationLevel.Release ? ReleaseReport.Value : DebugReport.Value;

    private static CompiledStateMachines Independent(OptimizationLevel optimization)
    {
        var sample = SizesSamples.Get(optimization);
        return CompiledStateMachines.Load(sample.Compilation, sample.Image, includeIterators: true);
    }

    private static StateMachineSize Reported(OptimizationLevel optimization, string methodName) =>
        Report(optimization).StateMachines.Single(m => m.MethodName == methodName);

    public static TheoryData<OptimizationLevel, string> Machines()
    {
        var data = new TheoryData<OptimizationLevel, string>();
        foreach (var optimization in new[] { OptimizationLevel.Release, OptimizationLevel.Debug })
        {
            foreach (var machine in (optimization == OptimizationLevel.Release ? ReleaseIndependent : DebugIndependent).Value.Machines)
            {
                data.Add(optimization, machine.MethodName);
            }
        }

        return data;
    }

    [Fact]
    public void Every_state_machine_of_the_samples_is_reported()
    {
        var independent = ReleaseIndependent.Value.Machines;

        Assert.Equal(
            independent.Select(m => m.FullName).Order(StringComparer.Ordinal),
            ReleaseReport.Value.StateMachines.Select(m => m.StateMachineType).Order(StringComparer.Ordinal));
        Assert.Equal(14, independent.Count);
        Assert.Equal(independent.Count, ReleaseReport.Value.TotalStateMachines);
    }

    [Theory]
    [MemberData(nameof(Machines))]
    public void Reported_size_is_the_runtime_size_of_the_same_generated_type(OptimizationLevel optimization, string method)
    {
        var machine = (optimization == OptimizationLevel.Release ? ReleaseIndependent : DebugIndependent).Value.Machines.Single(m => m.MethodName == method);

        var reported = Reported(optimization, method);

        Assert.Equal(machine.FullName, reported.StateMachineType);
        Assert.Equal(machine.IsClass, reported.IsClass);
        Assert.Equal(machine.HeapBytes, reported.Bytes);
    }

    [Theory]
    [MemberData(nameof(Machines))]
    public void TG3001_estimate_is_within_ten_percent_of_the_reported_size(OptimizationLevel optimization, string method)
    {
        var compiled = (optimization == OptimizationLevel.Release ? ReleaseIndependent : DebugIndependent).Value;
        var machine = compiled.Machines.Single(m => m.MethodName == method);
        var function = compiled.FindFunction(machine);
        var model = compiled.Compilation.GetSemanticModel(function.SyntaxTree);
        var reported = Reported(optimization, method);

        var estimate = StateMachineEstimator.Estimate(function, model);

        if (reported.IsIterator)
        {
            Assert.Null(estimate); // TG3001 does not estimate async iterators (documented on its page)
            return;
        }

        Assert.NotNull(estimate);
        Assert.Equal(reported.IsClass, estimate.IsClass);
        var error = Math.Abs(estimate.TotalBytes - reported.Bytes) / (double)reported.Bytes;
        Assert.True(
            error <= EstimateTolerance,
            $"TG3001 estimate {estimate.TotalBytes} vs runtime {reported.Bytes} ({error:P0})\nestimated: {string.Join(", ", estimate.Fields)}\n" +
            $"runtime:   {string.Join(", ", reported.Fields.Select(f => $"{f.CompilerName}:{f.Type}({f.Bytes})"))}");
    }

    [Fact]
    public void State_machines_are_sorted_largest_first()
    {
        var sizes = ReleaseReport.Value.StateMachines.Select(m => m.Bytes).ToList();

        Assert.Equal(sizes.OrderDescending(), sizes);
    }

    [Fact]
    public void Fields_are_largest_first_with_their_source_names()
    {
        var machine = Reported(OptimizationLevel.Release, "StructLocalLive");

        Assert.Equal("quote", machine.Fields[0].Name);
        Assert.Equal("<quote>5__2", machine.Fields[0].CompilerName);
        Assert.Equal("local", machine.Fields[0].Kind);
        Assert.Equal("Quote", machine.Fields[0].Type);
        Assert.Equal(64, machine.Fields[0].Bytes);
        Assert.Equal(machine.Fields.Select(f => f.Bytes).OrderDescending(), machine.Fields.Select(f => f.Bytes));
        Assert.Contains(machine.Fields, f => f is { Name: "this", CompilerName: "<>4__this", Kind: "this" });
        Assert.Contains(machine.Fields, f => f is { Name: "builder", CompilerName: "<>t__builder", Type: "AsyncTaskMethodBuilder" });
        Assert.Contains(machine.Fields, f => f is { Name: "state", CompilerName: "<>1__state", Type: "int", Bytes: 4 });
        Assert.Contains(machine.Fields, f => f is { Name: "awaiter 1", CompilerName: "<>u__1", Kind: "awaiter", Type: "TaskAwaiter" });
        Assert.Contains(machine.Fields, f => f is { Name: "t", CompilerName: "t", Kind: "parameter", Type: "Task" });
    }

    [Fact]
    public void A_struct_local_dead_before_the_await_is_hoisted_only_in_Debug()
    {
        var release = Reported(OptimizationLevel.Release, "StructLocalDead");
        var debug = Reported(OptimizationLevel.Debug, "StructLocalDead");

        Assert.DoesNotContain(release.Fields, f => f.Name == "quote");
        Assert.Contains(debug.Fields, f => f is { Name: "quote", Bytes: 64 });
        Assert.False(release.IsClass);
        Assert.True(debug.IsClass);
    }

    [Fact]
    public void Debug_builds_are_recognised_and_their_state_machines_are_classes()
    {
        Assert.True(DebugReport.Value.IsDebugBuild);
        Assert.False(ReleaseReport.Value.IsDebugBuild);
        Assert.All(DebugReport.Value.StateMachines, m => Assert.True(m.IsClass));
        Assert.All(ReleaseReport.Value.StateMachines.Where(m => !m.IsIterator), m => Assert.False(m.IsClass));
        Assert.Contains(DebugReport.Value.Notes, n => n.Contains("Debug build", StringComparison.Ordinal));
    }

    [Fact]
    public void Generic_state_machines_are_measured_with_type_arguments_that_satisfy_their_constraints()
    {
        var unconstrained = Reported(OptimizationLevel.Release, "Generic");
        var structConstrained = Reported(OptimizationLevel.Release, "GenericStruct");

        Assert.Equal("T=object", unconstrained.Instantiation);
        Assert.Equal("T=long", structConstrained.Instantiation);
        Assert.True(unconstrained.Exact);
        Assert.Contains(structConstrained.Fields, f => f is { Name: "first", Type: "long", Bytes: 8 });
    }

    [Fact]
    public void A_constraint_that_names_other_type_parameters_is_satisfied_from_the_assembly()
    {
        var (_, image) = CompiledStateMachines.Emit(
            """
            using System.IO;
            using System.Threading.Tasks;
            public interface IReadState<TSelf, TSource> where TSelf : struct, IReadState<TSelf, TSource> { }
            public struct PipeState : IReadState<PipeState, Stream> { public long Position; public Stream Source; public decimal Pending; }
            public static class Reader
            {
                public static async Task<long> Read<TState, TSource>(TState state, Task t) where TState : struct, IReadState<TState, TSource> where TSource : class
                {
                    await t;
                    return state.GetHashCode();
                }
            }
            """,
            OptimizationLevel.Release, assemblyName: "Constrained");
        var path = Path.Combine(SizesSamples.NewDirectory(), "Constrained.dll");
        File.WriteAllBytes(path, image);

        var machine = Assert.Single(StateMachineInspector.Inspect(path).StateMachines);

        Assert.True(machine.Exact);
        Assert.Equal("TState=PipeState, TSource=Stream", machine.Instantiation);
        var context = new AssemblyLoadContext("constrained", isCollectible: true);
        try
        {
            var assembly = context.LoadFromAssemblyPath(path);
            var closed = assembly.GetType(machine.StateMachineType, throwOnError: true)!
                .MakeGenericType(assembly.GetType("PipeState", throwOnError: true)!, typeof(Stream));
            Assert.Equal(CompiledStateMachines.SizeOf(closed), machine.Bytes);
        }
        finally
        {
            context.Unload();
        }
    }

    [Fact]
    public void Lambdas_and_local_functions_are_named_after_their_containing_method()
    {
        var lambda = ReleaseReport.Value.StateMachines.Single(m => m.MethodKind == "lambda");
        var local = ReleaseReport.Value.StateMachines.Single(m => m.MethodKind == "localFunction");

        Assert.Equal("Shop.Quotes.QuoteService.Lambda: lambda", lambda.Method);
        Assert.Equal("Shop.Quotes.QuoteService.WithLocalFunction: local function Inner", local.Method);
        Assert.Equal("Shop.Quotes.QuoteService", lambda.DeclaringType);
        Assert.Contains(local.Fields, f => f is { Name: "big", Bytes: 128 });
    }

    [Fact]
    public void Async_iterators_are_classes_with_their_own_fields()
    {
        var iterator = Reported(OptimizationLevel.Release, "Stream");

        Assert.True(iterator.IsIterator);
        Assert.True(iterator.IsClass);
        Assert.Equal("Shop.Quotes.QuoteService.Stream", iterator.Method);
        Assert.Contains(iterator.Fields, f => f is { Name: "current", Type: "Quote" });
        Assert.Contains(iterator.Fields, f => f.Name == "promise");
        Assert.Contains(iterator.Fields, f => f.Name == "i");
        Assert.True(iterator.HeapBytesPerOperation > iterator.Bytes);
    }

    [Fact]
    public void A_struct_instance_method_copies_the_struct_into_its_state_machine()
    {
        var machine = Reported(OptimizationLevel.Release, "Add");

        Assert.Equal("Shop.Quotes.Counter.Add", machine.Method);
        Assert.Contains(machine.Fields, f => f is { Name: "this", Type: "Counter", Bytes: 72 });
    }

    [Fact]
    public void Heap_cost_of_a_Task_method_is_its_state_machine_plus_the_measured_box_overhead()
    {
        var report = ReleaseReport.Value;
        var machine = Reported(OptimizationLevel.Release, "StructLocalDead");

        Assert.InRange(report.BoxOverheadBytes, 40, 200);
        Assert.Equal(machine.Bytes + report.BoxOverheadBytes, machine.HeapBytesPerOperation);
        Assert.Equal(machine.HeapBytesPerOperation, machine.BoxBytes);
    }

    [Fact]
    public void The_pooling_ValueTask_builder_has_its_own_box()
    {
        var machine = Reported(OptimizationLevel.Release, "Pooled");

        Assert.Equal("PoolingAsyncValueTaskMethodBuilder<int>", machine.Builder);
        Assert.True(machine.BoxBytes > machine.Bytes);
    }

    [Theory]
    [InlineData(OptimizationLevel.Release, "StructLocalDead")]
    [InlineData(OptimizationLevel.Release, "ManyLocals")]
    [InlineData(OptimizationLevel.Release, "WithLocalFunction")]
    [InlineData(OptimizationLevel.Debug, "StructLocalDead")]
    [InlineData(OptimizationLevel.Debug, "ManyLocals")]
    public void Heap_cost_per_operation_is_what_real_suspended_operations_allocate(OptimizationLevel optimization, string method)
    {
        var reported = Reported(optimization, method);

        var allocated = AllocatedPerSuspendedOperation(SizesSamples.Get(optimization).Path, method);

        var expected = method == "WithLocalFunction"
            ? reported.HeapBytesPerOperation + Report(optimization).StateMachines.Single(m => m.MethodKind == "localFunction").HeapBytesPerOperation
            : reported.HeapBytesPerOperation;
        Assert.Equal(expected, allocated);
    }

    // Calls the static method `method(Task t)` of QuoteService many times, each on its own pending task, and returns the
    // bytes allocated per call: everything the suspended operation keeps on the heap.
    private static long AllocatedPerSuspendedOperation(string assemblyPath, string method)
    {
        const int count = 512;

        // No synchronization context (xunit installs one): awaiting under one adds a continuation object to every
        // suspension, which is not the state machine's cost, and ASP.NET Core has none.
        var previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        var context = new AssemblyLoadContext("allocation-check", isCollectible: true);
        try
        {
            var type = context.LoadFromAssemblyPath(assemblyPath).GetType("Shop.Quotes.QuoteService", throwOnError: true)!;
            var info = type.GetMethod(method, BindingFlags.Public | BindingFlags.Static)!;
            // Task<T> converts to Task through the delegate's covariance: no wrapper, nothing allocated per call.
            Func<Task, Task> call = info.ReturnType == typeof(Task) ? info.CreateDelegate<Func<Task, Task>>()
                : info.ReturnType == typeof(Task<long>) ? info.CreateDelegate<Func<Task, Task<long>>>()
                : info.CreateDelegate<Func<Task, Task<int>>>();
            var sources = Enumerable.Range(0, count + 1).Select(_ => new TaskCompletionSource()).ToArray();
            var operations = new Task[count + 1];
            operations[count] = call(sources[count].Task); // warm-up: first-call work is not the operation
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var n = 0; n < count; n++)
            {
                operations[n] = call(sources[n].Task);
            }

            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            foreach (var source in sources)
            {
                source.SetResult();
            }

            Task.WaitAll(operations);
            return allocated / count;
        }
        finally
        {
            context.Unload();
            SynchronizationContext.SetSynchronizationContext(previous);
        }
    }
}

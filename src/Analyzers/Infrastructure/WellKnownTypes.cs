using Microsoft.CodeAnalysis;

namespace TailGuard.Analyzers;

/// <summary>
/// Types the rules need, resolved once per compilation in a compilation-start action.
/// Any of them may be null when the compilation does not reference it; rules return early then.
/// </summary>
public sealed class WellKnownTypes
{
    private WellKnownTypes(Compilation compilation)
    {
        Task = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task");
        TaskOfT = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task`1");
        ValueTask = compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask");
        ValueTaskOfT = compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask`1");
        TaskFactory = compilation.GetTypeByMetadataName("System.Threading.Tasks.TaskFactory");
        TaskCreationOptions = compilation.GetTypeByMetadataName("System.Threading.Tasks.TaskCreationOptions");
        TaskAwaiter = compilation.GetTypeByMetadataName("System.Runtime.CompilerServices.TaskAwaiter");
        TaskAwaiterOfT = compilation.GetTypeByMetadataName("System.Runtime.CompilerServices.TaskAwaiter`1");
        ValueTaskAwaiter = compilation.GetTypeByMetadataName("System.Runtime.CompilerServices.ValueTaskAwaiter");
        ValueTaskAwaiterOfT = compilation.GetTypeByMetadataName("System.Runtime.CompilerServices.ValueTaskAwaiter`1");
        ConfiguredTaskAwaiter = compilation.GetTypeByMetadataName("System.Runtime.CompilerServices.ConfiguredTaskAwaitable+ConfiguredTaskAwaiter");
        ConfiguredTaskAwaiterOfT = compilation.GetTypeByMetadataName("System.Runtime.CompilerServices.ConfiguredTaskAwaitable`1+ConfiguredTaskAwaiter");
        ConfiguredValueTaskAwaiter = compilation.GetTypeByMetadataName("System.Runtime.CompilerServices.ConfiguredValueTaskAwaitable+ConfiguredValueTaskAwaiter");
        ConfiguredValueTaskAwaiterOfT = compilation.GetTypeByMetadataName("System.Runtime.CompilerServices.ConfiguredValueTaskAwaitable`1+ConfiguredValueTaskAwaiter");
        CancellationToken = compilation.GetTypeByMetadataName("System.Threading.CancellationToken");
        Thread = compilation.GetTypeByMetadataName("System.Threading.Thread");
        ThreadPool = compilation.GetTypeByMetadataName("System.Threading.ThreadPool");
        Monitor = compilation.GetTypeByMetadataName("System.Threading.Monitor");
        Lock = compilation.GetTypeByMetadataName("System.Threading.Lock");
        SemaphoreSlim = compilation.GetTypeByMetadataName("System.Threading.SemaphoreSlim");
        ManualResetEventSlim = compilation.GetTypeByMetadataName("System.Threading.ManualResetEventSlim");
        WaitHandle = compilation.GetTypeByMetadataName("System.Threading.WaitHandle");
        CountdownEvent = compilation.GetTypeByMetadataName("System.Threading.CountdownEvent");
        Barrier = compilation.GetTypeByMetadataName("System.Threading.Barrier");
        SpinWait = compilation.GetTypeByMetadataName("System.Threading.SpinWait");
        Volatile = compilation.GetTypeByMetadataName("System.Threading.Volatile");
        Interlocked = compilation.GetTypeByMetadataName("System.Threading.Interlocked");
        Parallel = compilation.GetTypeByMetadataName("System.Threading.Tasks.Parallel");
        ParallelEnumerable = compilation.GetTypeByMetadataName("System.Linq.ParallelEnumerable");
        ParallelQuery = compilation.GetTypeByMetadataName("System.Linq.ParallelQuery");
        Enumerable = compilation.GetTypeByMetadataName("System.Linq.Enumerable");
        TaskFactoryOfT = compilation.GetTypeByMetadataName("System.Threading.Tasks.TaskFactory`1");
        CancellationTokenSource = compilation.GetTypeByMetadataName("System.Threading.CancellationTokenSource");
        BlockingCollectionOfT = compilation.GetTypeByMetadataName("System.Collections.Concurrent.BlockingCollection`1");
        MemoryStream = compilation.GetTypeByMetadataName("System.IO.MemoryStream");
        StringReader = compilation.GetTypeByMetadataName("System.IO.StringReader");
        StringWriter = compilation.GetTypeByMetadataName("System.IO.StringWriter");
        GC = compilation.GetTypeByMetadataName("System.GC");
        ArrayPoolOfT = compilation.GetTypeByMetadataName("System.Buffers.ArrayPool`1");
        Debug = compilation.GetTypeByMetadataName("System.Diagnostics.Debug");
        TaskStatus = compilation.GetTypeByMetadataName("System.Threading.Tasks.TaskStatus");
    }

    public INamedTypeSymbol? Task { get; }
    public INamedTypeSymbol? TaskOfT { get; }
    public INamedTypeSymbol? ValueTask { get; }
    public INamedTypeSymbol? ValueTaskOfT { get; }
    public INamedTypeSymbol? TaskFactory { get; }
    public INamedTypeSymbol? TaskCreationOptions { get; }
    public INamedTypeSymbol? TaskAwaiter { get; }
    public INamedTypeSymbol? TaskAwaiterOfT { get; }
    public INamedTypeSymbol? ValueTaskAwaiter { get; }
    public INamedTypeSymbol? ValueTaskAwaiterOfT { get; }
    public INamedTypeSymbol? ConfiguredTaskAwaiter { get; }
    public INamedTypeSymbol? ConfiguredTaskAwaiterOfT { get; }
    public INamedTypeSymbol? ConfiguredValueTaskAwaiter { get; }
    public INamedTypeSymbol? ConfiguredValueTaskAwaiterOfT { get; }
    public INamedTypeSymbol? CancellationToken { get; }
    public INamedTypeSymbol? Thread { get; }
    public INamedTypeSymbol? ThreadPool { get; }
    public INamedTypeSymbol? Monitor { get; }
    public INamedTypeSymbol? Lock { get; }
    public INamedTypeSymbol? SemaphoreSlim { get; }
    public INamedTypeSymbol? ManualResetEventSlim { get; }
    public INamedTypeSymbol? WaitHandle { get; }
    public INamedTypeSymbol? CountdownEvent { get; }
    public INamedTypeSymbol? Barrier { get; }
    public INamedTypeSymbol? SpinWait { get; }
    public INamedTypeSymbol? Volatile { get; }
    public INamedTypeSymbol? Interlocked { get; }
    public INamedTypeSymbol? Parallel { get; }
    public INamedTypeSymbol? ParallelEnumerable { get; }
    public INamedTypeSymbol? ParallelQuery { get; }
    public INamedTypeSymbol? Enumerable { get; }
    public INamedTypeSymbol? TaskFactoryOfT { get; }
    public INamedTypeSymbol? CancellationTokenSource { get; }
    public INamedTypeSymbol? BlockingCollectionOfT { get; }
    public INamedTypeSymbol? MemoryStream { get; }
    public INamedTypeSymbol? StringReader { get; }
    public INamedTypeSymbol? StringWriter { get; }
    public INamedTypeSymbol? GC { get; }
    public INamedTypeSymbol? ArrayPoolOfT { get; }
    public INamedTypeSymbol? Debug { get; }
    public INamedTypeSymbol? TaskStatus { get; }

    public static WellKnownTypes Create(Compilation compilation) => new(compilation);

    /// <summary>Task, Task&lt;T&gt;, ValueTask or ValueTask&lt;T&gt; (or a type derived from Task).</summary>
    public bool IsTaskLike(ITypeSymbol? type)
    {
        if (type is not INamedTypeSymbol named)
        {
            return false;
        }

        var original = named.OriginalDefinition;
        if (SymbolEqualityComparer.Default.Equals(original, ValueTask) || SymbolEqualityComparer.Default.Equals(original, ValueTaskOfT))
        {
            return true;
        }

        for (var current = named; current is not null; current = current.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(current.OriginalDefinition, Task)
                || SymbolEqualityComparer.Default.Equals(current.OriginalDefinition, TaskOfT))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The awaiter types whose <c>GetResult()</c> blocks when the task has not completed.</summary>
    public bool IsTaskAwaiter(ITypeSymbol? type)
    {
        if (type is not INamedTypeSymbol named)
        {
            return false;
        }

        var original = named.OriginalDefinition;
        return Is(original, TaskAwaiter) || Is(original, TaskAwaiterOfT) || Is(original, ValueTaskAwaiter) || Is(original, ValueTaskAwaiterOfT)
            || Is(original, ConfiguredTaskAwaiter) || Is(original, ConfiguredTaskAwaiterOfT)
            || Is(original, ConfiguredValueTaskAwaiter) || Is(original, ConfiguredValueTaskAwaiterOfT);
    }

    public static bool Is(ITypeSymbol? type, ITypeSymbol? expected)
        => expected is not null && SymbolEqualityComparer.Default.Equals(type?.OriginalDefinition, expected);

    public static bool DerivesFrom(ITypeSymbol? type, ITypeSymbol? baseType)
    {
        if (baseType is null)
        {
            return false;
        }

        for (var current = type; current is not null; current = current.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(current.OriginalDefinition, baseType))
            {
                return true;
            }
        }

        return false;
    }
}

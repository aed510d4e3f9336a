namespace TailGuard.Sizes;

/// <summary>The <c>sizes</c> report: the versioned JSON document <c>tailguard-sizes/1</c> and what the renderers show.</summary>
public sealed record SizesReport
{
    public const string SchemaVersion = "tailguard-sizes/1";

    public string Schema { get; init; } = SchemaVersion;

    public required SizesAssembly Assembly { get; init; }

    public required SizesRuntime Runtime { get; init; }

    /// <summary>True when the assembly was compiled without optimizations (state machines are classes that hoist every local).</summary>
    public required bool IsDebugBuild { get; init; }

    /// <summary>
    /// Bytes a suspended <c>Task</c>-returning operation costs beyond its state machine on this runtime (the box's object
    /// header, its <c>Task</c> fields, continuation and context), measured by suspending real operations.
    /// </summary>
    public required int BoxOverheadBytes { get; init; }

    /// <summary>How many state machines the assembly has (the list may be cut by <c>--top</c>).</summary>
    public required int TotalStateMachines { get; init; }

    /// <summary>The <c>--max-bytes</c> budget, when one was given, and how many state machines exceed it.</summary>
    public SizesBudget? Budget { get; init; }

    /// <summary>Largest first.</summary>
    public required IReadOnlyList<StateMachineSize> StateMachines { get; init; }

    public IReadOnlyList<string> Notes { get; init; } = [];
}

public sealed record SizesAssembly(string Path, string Name, string? Version, string? TargetFramework);

public sealed record SizesRuntime(string Version, string Description, string Architecture, int PointerBytes);

public sealed record SizesBudget(int MaxBytes, int Exceeding);

/// <summary>One compiler-generated async state machine, as the running runtime lays it out.</summary>
public sealed record StateMachineSize
{
    /// <summary>The generated type's full name, e.g. <c>Shop.Quotes.QuoteService+&lt;RevalueAsync&gt;d__7</c>.</summary>
    public required string StateMachineType { get; init; }

    /// <summary>Declaring type and method as in source, e.g. <c>Shop.Quotes.QuoteService.RevalueAsync</c>.</summary>
    public required string Method { get; init; }

    public required string DeclaringType { get; init; }

    /// <summary>The method's name in metadata (<c>&lt;Main&gt;b__0_0</c> for a lambda).</summary>
    public required string MethodName { get; init; }

    /// <summary><c>method</c>, <c>lambda</c>, <c>localFunction</c>, or <c>unknown</c> when no method names this state machine.</summary>
    public required string MethodKind { get; init; }

    /// <summary>True for an async iterator (<c>IAsyncEnumerable</c>), whose state machine is always a class.</summary>
    public required bool IsIterator { get; init; }

    /// <summary>True when the state machine is a class (Debug builds, async iterators): <see cref="Bytes"/> is then the whole heap object.</summary>
    public required bool IsClass { get; init; }

    /// <summary>The state machine's size: <c>Unsafe.SizeOf</c> of the struct, or the class instance's size on the heap.</summary>
    public required int Bytes { get; init; }

    /// <summary>The box the runtime allocates when the method first suspends (it holds a struct state machine inline), 0 when unknown.</summary>
    public required int BoxBytes { get; init; }

    /// <summary>What one suspended operation keeps on the heap: the box, plus the state machine object when it is a class.</summary>
    public required int HeapBytesPerOperation { get; init; }

    /// <summary>The builder type (<c>AsyncTaskMethodBuilder&lt;int&gt;</c>...), which decides the box.</summary>
    public required string Builder { get; init; }

    /// <summary>
    /// For a generic state machine, the type arguments measured (e.g. <c>T=object</c>), else null. With reference-type
    /// arguments the size holds for every reference-type instantiation (they share one layout).
    /// </summary>
    public string? Instantiation { get; init; }

    /// <summary>False only for an open generic state machine that no type argument satisfying its constraints could close.</summary>
    public bool Exact { get; init; } = true;

    /// <summary>Largest first.</summary>
    public required IReadOnlyList<StateMachineField> Fields { get; init; }
}

/// <summary>One field of a state machine.</summary>
/// <param name="Name">The source name: the local or parameter, <c>this</c>, <c>state</c>, <c>builder</c>, <c>awaiter 1</c>, <c>hidden temporary (wrap1)</c>...</param>
/// <param name="CompilerName">The field's name in metadata, e.g. <c>&lt;quote&gt;5__2</c>.</param>
/// <param name="Kind">See <see cref="StateMachineFieldKind"/>, in camelCase.</param>
/// <param name="Type">The field's type as C# writes it.</param>
/// <param name="Bytes">What the field occupies: the value type's size, or one pointer for a reference.</param>
/// <param name="Offset">Its offset in the state machine's field data, as the runtime placed it.</param>
public sealed record StateMachineField(string Name, string CompilerName, string Kind, string Type, int Bytes, int Offset);

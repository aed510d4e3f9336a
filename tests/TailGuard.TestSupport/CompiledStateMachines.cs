using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace TailGuard.TestSupport;

/// <summary>
/// Compiles C# with Roslyn against the .NET 10 reference assemblies, loads it into a collectible load context and reports
/// what the runtime really gives each compiler-generated async state machine.
/// </summary>
public sealed class CompiledStateMachines
{
    private static readonly MethodInfo SizeOfMethod = typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!;

    /// <summary>The .NET 10 reference assemblies (from a package restored at build time: nothing is downloaded).</summary>
    public static IReadOnlyList<MetadataReference> Net100 { get; } = [.. Basic.Reference.Assemblies.Net100.References.All];

    private CompiledStateMachines(CSharpCompilation compilation, IReadOnlyList<RuntimeStateMachine> machines)
    {
        Compilation = compilation;
        Machines = machines;
    }

    public CSharpCompilation Compilation { get; }

    public IReadOnlyList<RuntimeStateMachine> Machines { get; }

    public static CompiledStateMachines Compile(string source, OptimizationLevel optimization)
    {
        var (compilation, image) = Emit(source, optimization);
        return Load(compilation, image);
    }

    /// <summary>Compiles <paramref name="source"/> to an assembly image; throws when it does not compile.</summary>
    public static (CSharpCompilation Compilation, byte[] Image) Emit(
        string source, OptimizationLevel optimization, IEnumerable<MetadataReference>? extraReferences = null, string? assemblyName = null)
    {
        var tree = CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Preview));
        var compilation = CSharpCompilation.Create(
            assemblyName ?? "StateMachineSamples" + Guid.NewGuid().ToString("N"),
            new[] { tree },
            Net100.Concat(extraReferences ?? []),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: optimization, allowUnsafe: true, nullableContextOptions: NullableContextOptions.Enable));

        using var stream = new MemoryStream();
        var result = compilation.Emit(stream);
        if (!result.Success)
        {
            throw new InvalidOperationException("sample does not compile:\n" + string.Join("\n", result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        }

        return (compilation, stream.ToArray());
    }

    /// <summary>
    /// Loads an image into its own collectible load context and measures the state machines of the methods marked
    /// <c>[AsyncStateMachine]</c> (and, with <paramref name="includeIterators"/>, <c>[AsyncIteratorStateMachine]</c>).
    /// </summary>
    public static CompiledStateMachines Load(CSharpCompilation compilation, byte[] image, bool includeIterators = false)
    {
        var context = new AssemblyLoadContext("state-machines", isCollectible: true);
        try
        {
            using var stream = new MemoryStream(image);
            var assembly = context.LoadFromStream(stream);
            var machines = new List<RuntimeStateMachine>();
            foreach (var type in assembly.GetTypes())
            {
                foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
                {
                    var stateMachine = method.GetCustomAttribute<AsyncStateMachineAttribute>()?.StateMachineType
                        ?? (includeIterators ? method.GetCustomAttribute<AsyncIteratorStateMachineAttribute>()?.StateMachineType : null);
                    if (stateMachine is not null)
                    {
                        machines.Add(Measure(type.Name, method.Name, stateMachine));
                    }
                }
            }

            return new CompiledStateMachines(compilation, machines);
        }
        finally
        {
            context.Unload();
        }
    }

    /// <summary>Unsafe.SizeOf for structs; for classes (Debug), the end of the last field (its offset plus its size).</summary>
    public static RuntimeStateMachine Measure(string declaringType, string methodName, Type stateMachine)
    {
        var closed = stateMachine.IsGenericTypeDefinition ? Instantiate(stateMachine) : stateMachine;
        var fields = closed.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
            .Select(f => (f.Name, Type: f.FieldType, Bytes: FieldSize(f.FieldType)))
            .ToList();
        var bytes = closed.IsValueType ? SizeOf(closed) : ClassFieldBytes(fields.Select(f => f.Bytes));
        var heapBytes = closed.IsValueType ? bytes : AllocatedBytes(closed);
        return new RuntimeStateMachine(declaringType, methodName, stateMachine.Name, !closed.IsValueType, bytes, fields)
        {
            FullName = stateMachine.FullName ?? stateMachine.Name,
            HeapBytes = heapBytes,
        };
    }

    /// <summary>
    /// Closes an open generic state machine with 8-byte arguments (object, or long under a struct constraint): the size
    /// the estimator assumes for a type parameter.
    /// </summary>
    public static Type Instantiate(Type open)
        => open.MakeGenericType(open.GetGenericArguments()
            .Select(p => p.GenericParameterAttributes.HasFlag(GenericParameterAttributes.NotNullableValueTypeConstraint) ? typeof(long) : typeof(object))
            .ToArray());

    public static int SizeOf(Type type) => (int)SizeOfMethod.MakeGenericMethod(type).Invoke(null, null)!;

    /// <summary>
    /// What the GC allocates for one instance of a class, measured: the bytes this thread allocates creating uninitialised
    /// instances (no constructor runs), per instance.
    /// </summary>
    public static int AllocatedBytes(Type classType)
    {
        const int count = 64;
        var keep = new object[count];
        keep[0] = RuntimeHelpers.GetUninitializedObject(classType); // warm-up: first-call caches are not the instance
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < count; i++)
        {
            keep[i] = RuntimeHelpers.GetUninitializedObject(classType);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        GC.KeepAlive(keep);
        return (int)(allocated / count);
    }

    private static int FieldSize(Type type) => type.IsValueType && !type.ContainsGenericParameters ? SizeOf(type) : IntPtr.Size;

    // A class's field block laid out like a struct's: the runtime packs class fields the same way (by alignment).
    private static int ClassFieldBytes(IEnumerable<int> sizes)
        => sizes.Sum() is var sum && sum == 0 ? 0 : (sum + 7) / 8 * 8;

    /// <summary>The syntax of the async function whose generated method is <paramref name="machine"/>.</summary>
    public SyntaxNode FindFunction(RuntimeStateMachine machine)
    {
        var root = Compilation.SyntaxTrees.Single().GetRoot();
        var name = machine.MethodName;
        if (name.StartsWith('<'))
        {
            // <Container>g__Local|0_0 is a local function; <Container>b__0_0 a lambda (one async lambda per container here).
            var container = name[1..name.IndexOf('>', StringComparison.Ordinal)];
            var rest = name[(name.IndexOf('>', StringComparison.Ordinal) + 1)..];
            var containerMethod = root.DescendantNodes().OfType<MethodDeclarationSyntax>().Single(m => m.Identifier.ValueText == container);
            if (rest.StartsWith("g__", StringComparison.Ordinal))
            {
                var local = rest[3..rest.IndexOf('|', StringComparison.Ordinal)];
                return containerMethod.DescendantNodes().OfType<LocalFunctionStatementSyntax>().Single(l => l.Identifier.ValueText == local);
            }

            return containerMethod.DescendantNodes().OfType<AnonymousFunctionExpressionSyntax>().Single(a => a.AsyncKeyword.IsKind(SyntaxKind.AsyncKeyword));
        }

        return root.DescendantNodes().OfType<MethodDeclarationSyntax>()
            .Single(m => m.Identifier.ValueText == name && m.Parent is TypeDeclarationSyntax t && t.Identifier.ValueText == machine.DeclaringType);
    }
}

public sealed record RuntimeStateMachine(
    string DeclaringType,
    string MethodName,
    string StateMachineType,
    bool IsClass,
    int Bytes,
    IReadOnlyList<(string Name, Type Type, int Bytes)> Fields)
{
    /// <summary>The generated type's full name, e.g. <c>Service+&lt;Simple&gt;d__1</c>.</summary>
    public string FullName { get; init; } = StateMachineType;

    /// <summary>The struct's size, or for a class what the GC allocates for an instance (measured by <see cref="CompiledStateMachines.AllocatedBytes"/>).</summary>
    public int HeapBytes { get; init; } = Bytes;

    public string Describe() => StateMachineType + " " + Bytes + " bytes: " + string.Join(", ", Fields.Select(f => f.Name + ":" + f.Type.Name + "(" + f.Bytes + ")"));
}

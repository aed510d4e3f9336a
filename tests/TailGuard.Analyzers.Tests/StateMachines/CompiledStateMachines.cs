using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace TailGuard.Analyzers.Tests.StateMachines;

/// <summary>
/// Compiles C# with Roslyn against the .NET 10 reference assemblies, loads it into a collectible load context and reports
/// what the runtime really gives each compiler-generated async state machine.
/// </summary>
internal sealed class CompiledStateMachines
{
    private static readonly MethodInfo SizeOfMethod = typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!;

    private CompiledStateMachines(CSharpCompilation compilation, IReadOnlyList<RuntimeStateMachine> machines)
    {
        Compilation = compilation;
        Machines = machines;
    }

    public CSharpCompilation Compilation { get; }

    public IReadOnlyList<RuntimeStateMachine> Machines { get; }

    public static CompiledStateMachines Compile(string source, OptimizationLevel optimization)
    {
        var tree = CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Preview));
        var compilation = CSharpCompilation.Create(
            "StateMachineSamples" + Guid.NewGuid().ToString("N"),
            new[] { tree },
            TestReferences.Net100,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: optimization, allowUnsafe: true, nullableContextOptions: NullableContextOptions.Enable));

        using var stream = new MemoryStream();
        var result = compilation.Emit(stream);
        if (!result.Success)
        {
            throw new InvalidOperationException("sample does not compile:\n" + string.Join("\n", result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        }

        var context = new AssemblyLoadContext("state-machines", isCollectible: true);
        try
        {
            stream.Position = 0;
            var assembly = context.LoadFromStream(stream);
            var machines = new List<RuntimeStateMachine>();
            foreach (var type in assembly.GetTypes())
            {
                foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
                {
                    var attribute = method.GetCustomAttribute<AsyncStateMachineAttribute>();
                    if (attribute is not null)
                    {
                        machines.Add(Measure(type.Name, method.Name, attribute.StateMachineType));
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
        return new RuntimeStateMachine(declaringType, methodName, stateMachine.Name, !closed.IsValueType, bytes, fields);
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

internal sealed record RuntimeStateMachine(
    string DeclaringType,
    string MethodName,
    string StateMachineType,
    bool IsClass,
    int Bytes,
    IReadOnlyList<(string Name, Type Type, int Bytes)> Fields)
{
    public string Describe() => StateMachineType + " " + Bytes + " bytes: " + string.Join(", ", Fields.Select(f => f.Name + ":" + f.Type.Name + "(" + f.Bytes + ")"));
}

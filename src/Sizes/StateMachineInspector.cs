using System.Diagnostics;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using TailGuard.Output;

namespace TailGuard.Sizes;

/// <summary>
/// Loads an assembly with its dependencies into a collectible load context, finds every compiler-generated async state
/// machine (the types named by <c>[AsyncStateMachine]</c> and <c>[AsyncIteratorStateMachine]</c>, and any other type
/// implementing <c>IAsyncStateMachine</c>), and asks the running runtime how it lays each one out.
/// </summary>
public static class StateMachineInspector
{
    private const string BuilderField = "<>t__builder";

    /// <summary>Inspects the assembly at <paramref name="assemblyPath"/>; throws <see cref="UserError"/> on bad input.</summary>
    public static SizesReport Inspect(string assemblyPath)
    {
        ArgumentNullException.ThrowIfNull(assemblyPath);
        var path = Path.GetFullPath(assemblyPath);
        AssemblyFile.Check(path);
        var context = new InspectionLoadContext(path);
        try
        {
            return Inspect(path, context);
        }
        finally
        {
            context.Unload();
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)] // nothing from the collectible context may stay on the caller's stack
    private static SizesReport Inspect(string path, InspectionLoadContext context)
    {
        Assembly assembly;
        try
        {
            assembly = context.LoadFromAssemblyPath(path);
        }
        catch (Exception ex) when (ex is BadImageFormatException or FileLoadException)
        {
            throw new UserError($"{path} cannot be loaded by .NET {Environment.Version}: {ex.Message}", ex);
        }

        CheckReferences(assembly, context, path);
        var types = LoadTypes(assembly, path);
        var methods = StateMachineMethods(types);
        var machines = new List<StateMachineSize>();
        var notes = new List<string>();
        foreach (var type in types.Where(t => typeof(IAsyncStateMachine).IsAssignableFrom(t) && t != typeof(IAsyncStateMachine)))
        {
            methods.TryGetValue(type, out var method);
            machines.Add(Measure(type, method, types));
        }

        if (machines.Any(m => !m.Exact))
        {
            notes.Add("Open generic state machines that no type argument satisfying their constraints could close are approximate (type parameters counted as references).");
        }

        if (machines.Any(m => m.BoxBytes == 0))
        {
            notes.Add("State machines with a custom AsyncMethodBuilder: their box is not known, so heapBytesPerOperation counts the state machine only.");
        }

        var isDebug = assembly.GetCustomAttribute<DebuggableAttribute>()?.IsJITOptimizerDisabled == true;
        if (isDebug)
        {
            notes.Add("Debug build: state machines are classes and hoist every local; a Release build is smaller. Measure Release for production figures.");
        }

        var name = assembly.GetName();
        return new SizesReport
        {
            Assembly = new SizesAssembly(path, name.Name ?? Path.GetFileNameWithoutExtension(path), name.Version?.ToString(),
                assembly.GetCustomAttribute<TargetFrameworkAttribute>()?.FrameworkName),
            Runtime = new SizesRuntime(Environment.Version.ToString(), RuntimeInformation.FrameworkDescription,
                RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant(), IntPtr.Size),
            IsDebugBuild = isDebug,
            BoxOverheadBytes = AsyncBoxes.OverheadBytes,
            TotalStateMachines = machines.Count,
            StateMachines = machines
                .OrderByDescending(m => m.Bytes)
                .ThenByDescending(m => m.HeapBytesPerOperation)
                .ThenBy(m => m.StateMachineType, StringComparer.Ordinal)
                .ToList(),
            Notes = notes,
        };
    }

    private static void CheckReferences(Assembly assembly, InspectionLoadContext context, string path)
    {
        foreach (var reference in assembly.GetReferencedAssemblies())
        {
            try
            {
                context.LoadFromAssemblyName(reference);
            }
            catch (Exception ex) when (ex is FileNotFoundException or FileLoadException or BadImageFormatException)
            {
                throw new UserError(
                    $"Missing dependency of {Path.GetFileName(path)}: {reference.FullName} is not next to it, in its .deps.json or in a shared framework " +
                    $"of .NET {Environment.Version} (build or publish the app and point at its output folder).", ex);
            }
        }
    }

    private static List<Type> LoadTypes(Assembly assembly, string path)
    {
        try
        {
            return [.. assembly.GetTypes()];
        }
        catch (ReflectionTypeLoadException ex)
        {
            var first = ex.LoaderExceptions.FirstOrDefault(e => e is not null);
            throw new UserError($"Cannot load the types of {Path.GetFileName(path)}: {first?.Message ?? ex.Message}", ex);
        }
    }

    private static Dictionary<Type, MethodInfo> StateMachineMethods(IEnumerable<Type> types)
    {
        var methods = new Dictionary<Type, MethodInfo>();
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        foreach (var type in types)
        {
            foreach (var method in type.GetMethods(all))
            {
                foreach (var attribute in method.GetCustomAttributesData())
                {
                    if ((attribute.AttributeType == typeof(AsyncStateMachineAttribute) || attribute.AttributeType == typeof(AsyncIteratorStateMachineAttribute))
                        && attribute.ConstructorArguments is [{ Value: Type stateMachine }])
                    {
                        methods.TryAdd(stateMachine, method);
                    }
                }
            }
        }

        return methods;
    }

    private static StateMachineSize Measure(Type type, MethodInfo? method, IReadOnlyList<Type> assemblyTypes)
    {
        var closed = type;
        string? instantiation = null;
        var exact = true;
        if (type.IsGenericTypeDefinition)
        {
            if (GenericInstantiation.TryClose(type, assemblyTypes, out var c, out var description))
            {
                closed = c;
                instantiation = description;
            }
            else
            {
                exact = false;
                instantiation = "open: " + string.Join(", ", type.GetGenericArguments().Select(p => p.Name + "=?"));
            }
        }

        var isIterator = method?.GetCustomAttribute<AsyncIteratorStateMachineAttribute>() is not null
            || typeof(IAsyncDisposable).IsAssignableFrom(type);
        var fields = exact ? ClosedFields(closed) : OpenFields(closed);
        int bytes;
        if (!exact)
        {
            var dataEnd = fields.Sum(f => f.Bytes);
            bytes = closed.IsValueType ? RuntimeLayout.Align(dataEnd, IntPtr.Size) : Math.Max(RuntimeLayout.MinimumObjectBytes, RuntimeLayout.ObjectHeaderBytes + RuntimeLayout.Align(dataEnd, IntPtr.Size));
        }
        else
        {
            bytes = closed.IsValueType ? RuntimeLayout.SizeOf(closed) : RuntimeLayout.InstanceSize(closed);
        }

        var builder = closed.GetField(BuilderField, BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);
        var box = exact && builder is not null ? AsyncBoxes.BoxType(builder.FieldType, closed) : null;
        var boxBytes = box is null ? 0 : RuntimeLayout.InstanceSize(box);
        var heap = box is null ? bytes : boxBytes + (closed.IsValueType ? 0 : bytes);

        var declaring = type.DeclaringType is { } d ? CompilerNames.SourceDeclaringType(d) : type;
        var (methodName, kind) = method is null ? ("(unknown)", "unknown") : CompilerNames.Method(method.Name);
        var declaringName = CompilerNames.TypeName(declaring, qualified: true);
        return new StateMachineSize
        {
            StateMachineType = type.FullName ?? type.Name,
            Method = declaringName + "." + methodName,
            DeclaringType = declaringName,
            MethodName = method?.Name ?? "(unknown)",
            MethodKind = kind,
            IsIterator = isIterator,
            IsClass = !closed.IsValueType,
            Bytes = bytes,
            BoxBytes = boxBytes,
            HeapBytesPerOperation = heap,
            Builder = builder is null ? "(none)" : CompilerNames.TypeName(builder.FieldType),
            Instantiation = instantiation,
            Exact = exact,
            Fields = fields
                .OrderByDescending(f => f.Bytes)
                .ThenBy(f => f.Offset)
                .ThenBy(f => f.CompilerName, StringComparer.Ordinal)
                .ToList(),
        };
    }

    private static List<StateMachineField> ClosedFields(Type closed)
    {
        var offsets = RuntimeLayout.FieldOffsets(closed);
        return RuntimeLayout.InstanceFields(closed)
            .Select(f => Field(f, RuntimeLayout.FieldSize(f.FieldType), offsets[f]))
            .ToList();
    }

    private static List<StateMachineField> OpenFields(Type open)
        => RuntimeLayout.InstanceFields(open)
            .Select(f => Field(f, RuntimeLayout.FieldSize(f.FieldType), -1))
            .ToList();

    private static StateMachineField Field(FieldInfo field, int bytes, int offset)
    {
        var (name, kind) = CompilerNames.Field(field.Name);
        return new StateMachineField(name, field.Name, JsonName(kind), CompilerNames.TypeName(field.FieldType), bytes, offset);
    }

    private static string JsonName(StateMachineFieldKind kind)
    {
        var text = kind.ToString();
        return char.ToLowerInvariant(text[0]) + text[1..];
    }
}

using System.Text;
using System.Text.RegularExpressions;

namespace TailGuard.Sizes;

/// <summary>What a state-machine field holds, from the C# compiler's naming scheme (Roslyn's <c>GeneratedNameKind</c>).</summary>
public enum StateMachineFieldKind
{
    /// <summary><c>&lt;&gt;1__state</c>: where to resume.</summary>
    State,

    /// <summary><c>&lt;&gt;t__builder</c>: the method builder (holds the task once the method suspends).</summary>
    Builder,

    /// <summary><c>&lt;&gt;4__this</c>: the instance (a copy, for struct instance methods).</summary>
    This,

    /// <summary>A parameter, under its own name.</summary>
    Parameter,

    /// <summary><c>&lt;name&gt;5__N</c>: a local live across an await (every local, in Debug builds).</summary>
    Local,

    /// <summary><c>&lt;&gt;u__N</c>: an awaiter, one field per awaiter type.</summary>
    Awaiter,

    /// <summary><c>&lt;&gt;7__wrapN</c>, <c>&lt;&gt;s__N</c>: a compiler temporary (foreach enumerator, using resource, spilled operand, pending exception).</summary>
    HiddenTemporary,

    /// <summary><c>&lt;&gt;8__N</c>: a closure object holding locals captured by a lambda.</summary>
    Closure,

    /// <summary>The fields of an async iterator: current value, promise, dispose mode, parameter copies, thread id, tokens.</summary>
    Iterator,

    /// <summary>A name this does not recognise.</summary>
    Other,
}

/// <summary>Maps the compiler's names for state machines, their fields and their methods back to source names.</summary>
public static partial class CompilerNames
{
    /// <summary>The source name of a state-machine field, and what it is.</summary>
    public static (string Name, StateMachineFieldKind Kind) Field(string compilerName)
    {
        ArgumentNullException.ThrowIfNull(compilerName);
        var match = GeneratedName().Match(compilerName);
        if (!match.Success)
        {
            return compilerName.Contains('<', StringComparison.Ordinal)
                ? (compilerName, StateMachineFieldKind.Other)
                : (compilerName, StateMachineFieldKind.Parameter);
        }

        var source = match.Groups["source"].Value;
        var suffix = match.Groups["suffix"].Value;
        return match.Groups["kind"].Value switch
        {
            "1" => ("state", StateMachineFieldKind.State),
            "t" when suffix == "builder" => ("builder", StateMachineFieldKind.Builder),
            "4" => ("this", StateMachineFieldKind.This),
            "5" => (source.Length > 0 ? source : "local " + suffix, StateMachineFieldKind.Local),
            "u" => ("awaiter " + suffix, StateMachineFieldKind.Awaiter),
            "7" => ("hidden temporary (" + suffix + ")", StateMachineFieldKind.HiddenTemporary),
            "s" => ("hidden temporary (spill " + suffix + ")", StateMachineFieldKind.HiddenTemporary),
            "8" => ("closure " + suffix, StateMachineFieldKind.Closure),
            "2" => ("current", StateMachineFieldKind.Iterator),
            "3" => (suffix + " (initial value)", StateMachineFieldKind.Iterator),
            "l" => ("initial thread id", StateMachineFieldKind.Iterator),
            "v" => ("promise", StateMachineFieldKind.Iterator),
            "w" => ("dispose mode", StateMachineFieldKind.Iterator),
            "x" => ("combined tokens", StateMachineFieldKind.Iterator),
            _ => (compilerName, StateMachineFieldKind.Other),
        };
    }

    /// <summary>
    /// A readable name for a method that has a state machine: <c>Main</c>; <c>Main: lambda</c> for <c>&lt;Main&gt;b__0_0</c>;
    /// <c>Main: local function Load</c> for <c>&lt;Main&gt;g__Load|0_0</c>.
    /// </summary>
    public static (string Name, string Kind) Method(string compilerName)
    {
        ArgumentNullException.ThrowIfNull(compilerName);
        var match = GeneratedMethod().Match(compilerName);
        if (!match.Success)
        {
            return (compilerName, "method");
        }

        var container = match.Groups["container"].Value;
        return match.Groups["kind"].Value switch
        {
            "b" => (container + ": lambda", "lambda"),
            "g" => (container + ": local function " + match.Groups["local"].Value, "localFunction"),
            _ => (compilerName, "method"),
        };
    }

    /// <summary>
    /// The type that declares a method in source: compiler-generated closure classes (<c>&lt;&gt;c</c>,
    /// <c>&lt;&gt;c__DisplayClass0_0</c>) are replaced by the type that contains them.
    /// </summary>
    public static Type SourceDeclaringType(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        while (type.DeclaringType is not null && type.Name.StartsWith('<'))
        {
            type = type.DeclaringType;
        }

        return type;
    }

    /// <summary>A type as C# writes it: keywords for primitives, <c>List&lt;int&gt;</c>, <c>Outer.Inner</c>, <c>int?</c>, arrays.</summary>
    public static string TypeName(Type type, bool qualified = false)
    {
        ArgumentNullException.ThrowIfNull(type);
        var builder = new StringBuilder();
        AppendType(builder, type, qualified);
        return builder.ToString();
    }

    private static void AppendType(StringBuilder builder, Type type, bool qualified)
    {
        if (type.IsGenericParameter)
        {
            builder.Append(type.Name);
            return;
        }

        if (type.IsArray)
        {
            AppendType(builder, type.GetElementType()!, qualified);
            builder.Append('[').Append(',', type.GetArrayRank() - 1).Append(']');
            return;
        }

        if (type.IsPointer || type.IsByRef)
        {
            AppendType(builder, type.GetElementType()!, qualified);
            builder.Append(type.IsPointer ? '*' : '&');
            return;
        }

        if (Keyword(type) is { } keyword)
        {
            builder.Append(keyword);
            return;
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Nullable<>))
        {
            AppendType(builder, type.GetGenericArguments()[0], qualified);
            builder.Append('?');
            return;
        }

        var arguments = type.IsGenericType ? type.GetGenericArguments() : [];
        var used = 0;
        var chain = new Stack<Type>();
        for (var t = type; t is not null; t = t.DeclaringType)
        {
            chain.Push(t);
        }

        if (qualified && !string.IsNullOrEmpty(type.Namespace))
        {
            builder.Append(type.Namespace).Append('.');
        }

        var first = true;
        foreach (var t in chain)
        {
            if (!first)
            {
                builder.Append('.');
            }

            first = false;
            var name = t.Name;
            var tick = name.IndexOf('`', StringComparison.Ordinal);
            var arity = 0;
            if (tick >= 0)
            {
                arity = int.Parse(name.AsSpan(tick + 1), System.Globalization.CultureInfo.InvariantCulture);
                name = name[..tick];
            }

            builder.Append(name);
            if (arity > 0 && used + arity <= arguments.Length)
            {
                builder.Append('<');
                for (var i = 0; i < arity; i++)
                {
                    if (i > 0)
                    {
                        builder.Append(", ");
                    }

                    AppendType(builder, arguments[used + i], qualified: false);
                }

                builder.Append('>');
                used += arity;
            }
        }
    }

    private static string? Keyword(Type type) => type.IsEnum ? null : Type.GetTypeCode(type) switch
    {
        TypeCode.Boolean => "bool",
        TypeCode.Byte => "byte",
        TypeCode.SByte => "sbyte",
        TypeCode.Char => "char",
        TypeCode.Int16 => "short",
        TypeCode.UInt16 => "ushort",
        TypeCode.Int32 => "int",
        TypeCode.UInt32 => "uint",
        TypeCode.Int64 => "long",
        TypeCode.UInt64 => "ulong",
        TypeCode.Single => "float",
        TypeCode.Double => "double",
        TypeCode.Decimal => "decimal",
        TypeCode.String => "string",
        _ => type == typeof(object) ? "object" : type == typeof(IntPtr) ? "nint" : type == typeof(UIntPtr) ? "nuint" : null,
    };

    // <source>kind__suffix, e.g. <quote>5__2, <>u__1, <>t__builder, <>7__wrap1.
    [GeneratedRegex(@"^<(?<source>[^>]*)>(?<kind>[0-9a-zA-Z])__(?<suffix>.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex GeneratedName();

    // <Container>b__0_0 (lambda), <Container>g__Local|0_0 (local function).
    [GeneratedRegex(@"^<(?<container>[^>]*)>(?<kind>[bg])__(?<local>[^|]*)(\|.*)?$", RegexOptions.CultureInvariant)]
    private static partial Regex GeneratedMethod();
}

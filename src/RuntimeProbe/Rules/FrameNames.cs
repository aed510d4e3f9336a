namespace TailGuard.RuntimeProbe.Rules;

/// <summary>
/// Names a stack frame's method as the user wrote it. Frames are "Namespace.Type.Method" with nested types joined by '+', and
/// the compiler's names for what it generates: a lambda is <c>Type+&lt;&gt;c.&lt;Method&gt;b__3_0</c> (or a display class's
/// method), a local function <c>Type.&lt;Method&gt;g__Name|3_0</c>, an async method's state machine
/// <c>Type+&lt;Method&gt;d__5.MoveNext</c>, top-level statements <c>Program.&lt;Main&gt;$</c>. They read here as
/// <c>Type.Method: lambda</c>, <c>Type.Method: local function Name</c> and <c>Type.Method</c> (the same shapes as <c>sizes</c>).
/// </summary>
public static class FrameNames
{
    private const string Lambda = "lambda";

    /// <summary>
    /// Code that no user wrote and that names no user method: delegates compiled from expression trees (ASP.NET Core's request
    /// delegates are <c>dynamicClass.lambda_method15</c>), IL stubs and the compiler's private helpers. A site is never one.
    /// </summary>
    public static bool IsGenerated(string frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        return frame.StartsWith("dynamicClass.", StringComparison.Ordinal)
            || frame.StartsWith("lambda_method", StringComparison.Ordinal)
            || frame.StartsWith("ILStubClass.", StringComparison.Ordinal)
            || frame.StartsWith("<PrivateImplementationDetails>", StringComparison.Ordinal);
    }

    /// <summary>The method as the user wrote it (see the class remarks; nested types joined with '.', as C# writes them).</summary>
    public static string AsWritten(string frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (!frame.Contains('<', StringComparison.Ordinal))
        {
            return frame.Replace('+', '.');
        }

        var (type, method) = Split(frame);
        var declaring = new List<string>();
        string? container = null;
        string? kind = null;
        foreach (var part in type.Split('+'))
        {
            if (part.StartsWith("<>c", StringComparison.Ordinal))
            {
                // A closure or the cached-lambda class: its methods name their container themselves.
                continue;
            }

            if (part.StartsWith('<'))
            {
                // A state machine (<Method>d__5) or an async lambda's (<<Method>b__3_0>d): its MoveNext is that method.
                Interpret(part, ref container, ref kind);
                continue;
            }

            declaring.Add(part);
        }

        if (method.StartsWith('<'))
        {
            Interpret(method, ref container, ref kind);
        }
        else if (container is null || method is not ("MoveNext" or "SetStateMachine"))
        {
            container = method;
        }

        var name = string.Join('.', declaring) is { Length: > 0 } t ? t + "." + container : container ?? frame;
        return kind is null ? name : name + ": " + kind;
    }

    /// <summary>
    /// Reads a compiler name <c>&lt;X&gt;k__suffix</c>: X is the containing method (itself a compiler name for an async
    /// lambda's state machine), k what was generated (b a lambda, g a local function, d a state machine).
    /// </summary>
    private static void Interpret(string name, ref string? container, ref string? kind)
    {
        var close = MatchingBracket(name);
        if (close < 0)
        {
            return;
        }

        var inner = name[1..close];
        var suffix = name[(close + 1)..];
        if (inner.StartsWith('<'))
        {
            Interpret(inner, ref container, ref kind);
        }
        else
        {
            // Top-level statements compile to <Main>$.
            container = inner;
        }

        if (suffix.StartsWith("b__", StringComparison.Ordinal))
        {
            kind = Lambda;
        }
        else if (suffix.StartsWith("g__", StringComparison.Ordinal))
        {
            var local = suffix[3..];
            var bar = local.IndexOf('|', StringComparison.Ordinal);
            kind = "local function " + (bar < 0 ? local : local[..bar]);
        }
    }

    private static int MatchingBracket(string name)
    {
        var depth = 0;
        for (var i = 0; i < name.Length; i++)
        {
            if (name[i] == '<')
            {
                depth++;
            }
            else if (name[i] == '>' && --depth == 0)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Splits at the last '.' outside angle brackets: compiler names hold dots (<c>&lt;&lt;Main&gt;$&gt;b__0_1</c> does not, but generic ones may).</summary>
    private static (string Type, string Method) Split(string frame)
    {
        var depth = 0;
        for (var i = frame.Length - 1; i > 0; i--)
        {
            switch (frame[i])
            {
                case '>':
                    depth++;
                    break;
                case '<':
                    depth--;
                    break;
                case '.' when depth == 0 && frame[i - 1] != '.':
                    return (frame[..i], frame[(i + 1)..]);
            }
        }

        return ("", frame);
    }
}

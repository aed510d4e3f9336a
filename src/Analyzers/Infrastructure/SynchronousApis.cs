using System;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace TailGuard.Analyzers;

/// <summary>
/// The shapes TG1003 looks for: a synchronous method with an async twin on its receiver type, or a blocking wait primitive.
/// Only the shape of the call: context (async function, dual sync/async path, self-recursion, options) is the rule's business.
/// </summary>
public static class SynchronousApis
{
    private const int MaxInMemoryDepth = 4;

    public static BlockingCallKind Classify(IInvocationOperation invocation, WellKnownTypes types)
    {
        var method = invocation.TargetMethod;

        // Task.Wait(TimeSpan) has a twin (Task.WaitAsync) but is TG1001's shape, not this one.
        if (TaskWaits.IsBlockingWaitInvocation(invocation, types))
        {
            return BlockingCallKind.None;
        }

        if (IsBlockingWaitPrimitive(invocation, types))
        {
            return HasZeroTimeout(invocation) ? BlockingCallKind.None : BlockingCallKind.BlockingWaitPrimitive;
        }

        if (method.Name.EndsWith("Async", StringComparison.Ordinal) || method.ReturnType is null || types.IsTaskLike(method.ReturnType))
        {
            return BlockingCallKind.None;
        }

        if (IsKnownNonBlocking(method) || FindAsyncTwin(method, invocation.Instance?.Type, types) is null)
        {
            return BlockingCallKind.None;
        }

        return IsNonBlockingReceiver(invocation, types) || HasZeroTimeout(invocation) || IsConsoleWriterOrReader(invocation.Instance)
            ? BlockingCallKind.None
            : BlockingCallKind.SynchronousApiWithAsyncTwin;
    }

    /// <summary>
    /// <c>Console.Out</c>, <c>Console.Error</c>, <c>Console.In</c>: synchronized wrappers whose async methods run the synchronous
    /// call and return a completed task, so the twin would block exactly as much.
    /// </summary>
    private static bool IsConsoleWriterOrReader(IOperation? receiver)
    {
        while (receiver is IConversionOperation conversion)
        {
            receiver = conversion.Operand;
        }

        return receiver is IPropertyReferenceOperation { Property: { IsStatic: true, Name: "Out" or "Error" or "In" } property }
            && property.ContainingType is { Name: "Console", ContainingNamespace: { Name: "System" } system }
            && system.ContainingNamespace is { IsGlobalNamespace: true };
    }

    /// <summary>
    /// The async twin of <paramref name="method"/>: a method named <c>MAsync</c> on the same type (or a base type or interface)
    /// with the same parameter types, optionally followed by a trailing CancellationToken, returning a task-like type whose
    /// result matches the synchronous return type.
    /// </summary>
    public static IMethodSymbol? FindAsyncTwin(IMethodSymbol method, WellKnownTypes types) => FindAsyncTwin(method, receiverType: null, types);

    /// <summary>
    /// As <see cref="FindAsyncTwin(IMethodSymbol, WellKnownTypes)"/>, looking first on <paramref name="receiverType"/> (the static
    /// type of the receiver, which may be more derived than the type that declares <paramref name="method"/>).
    /// Extension methods find their twin among the extension methods of the same static class.
    /// </summary>
    public static IMethodSymbol? FindAsyncTwin(IMethodSymbol method, ITypeSymbol? receiverType, WellKnownTypes types)
    {
        var definition = (method.ReducedFrom ?? method).OriginalDefinition;
        var name = method.Name + "Async";
        if (method.ReducedFrom is not null || method.IsStatic)
        {
            return FindOnType(definition, definition.ContainingType, name, types);
        }

        if (receiverType is not null && !SymbolEqualityComparer.Default.Equals(receiverType.OriginalDefinition, definition.ContainingType))
        {
            var onReceiver = FindOnType(definition, receiverType, name, types);
            if (onReceiver is not null)
            {
                return onReceiver;
            }
        }

        return FindOnType(definition, definition.ContainingType, name, types);
    }

    /// <summary>The fully qualified name used by <c>TG1003.excluded_methods</c>: <c>Namespace.Type.Method</c>, no generic arguments.</summary>
    public static string QualifiedName(IMethodSymbol method)
    {
        var definition = (method.ReducedFrom ?? method).OriginalDefinition;
        return definition.ContainingType is null
            ? definition.Name
            : definition.ContainingType.ToDisplayString(QualifiedTypeFormat) + "." + definition.Name;
    }

    private static readonly SymbolDisplayFormat QualifiedTypeFormat = new(
        typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameAndContainingTypesAndNamespaces,
        genericsOptions: SymbolDisplayGenericsOptions.None);

    private static IMethodSymbol? FindOnType(IMethodSymbol definition, ITypeSymbol? start, string name, WellKnownTypes types)
    {
        for (var type = start; type is not null; type = type.BaseType)
        {
            var found = FindAmongMembers(definition, type, name, types);
            if (found is not null)
            {
                return found;
            }
        }

        if (start is not null && start.TypeKind == TypeKind.Interface)
        {
            foreach (var inherited in start.AllInterfaces)
            {
                var found = FindAmongMembers(definition, inherited, name, types);
                if (found is not null)
                {
                    return found;
                }
            }
        }

        return null;
    }

    private static IMethodSymbol? FindAmongMembers(IMethodSymbol definition, ITypeSymbol type, string name, WellKnownTypes types)
    {
        foreach (var member in type.GetMembers(name))
        {
            if (member is IMethodSymbol candidate
                && candidate.IsStatic == definition.IsStatic
                && candidate.IsExtensionMethod == definition.IsExtensionMethod
                && candidate.Arity == definition.Arity
                && !IsObsolete(candidate)
                && types.IsTaskLike(candidate.ReturnType)
                && ParametersMatch(definition, candidate.OriginalDefinition, types)
                && ReturnTypesMatch(definition, candidate.OriginalDefinition))
            {
                return candidate.OriginalDefinition;
            }
        }

        return null;
    }

    private static bool IsObsolete(IMethodSymbol method)
    {
        foreach (var attribute in method.GetAttributes())
        {
            if (attribute.AttributeClass?.Name == "ObsoleteAttribute")
            {
                return true;
            }
        }

        return false;
    }

    private static bool ParametersMatch(IMethodSymbol method, IMethodSymbol candidate, WellKnownTypes types)
    {
        var count = method.Parameters.Length;
        if (candidate.Parameters.Length != count
            && !(candidate.Parameters.Length == count + 1 && WellKnownTypes.Is(candidate.Parameters[count].Type, types.CancellationToken)))
        {
            return false;
        }

        for (var i = 0; i < count; i++)
        {
            if (!TypesMatch(method.Parameters[i].Type, candidate.Parameters[i].Type, allowSpanToMemory: true)
                || method.Parameters[i].RefKind != candidate.Parameters[i].RefKind)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary><c>void</c> pairs with Task/ValueTask; <c>T</c> with Task&lt;T&gt;/ValueTask&lt;T&gt;.</summary>
    private static bool ReturnTypesMatch(IMethodSymbol method, IMethodSymbol candidate)
    {
        var taskResult = candidate.ReturnType is INamedTypeSymbol { IsGenericType: true } named && named.TypeArguments.Length == 1
            ? named.TypeArguments[0]
            : null;
        if (method.ReturnsVoid)
        {
            return taskResult is null;
        }

        return taskResult is not null && TypesMatch(method.ReturnType, taskResult, allowSpanToMemory: false);
    }

    /// <summary>
    /// Structural equality in which the method type parameters of the two methods correspond by ordinal
    /// (<c>Serialize&lt;TValue&gt;(Stream, TValue)</c> and <c>SerializeAsync&lt;TValue&gt;(Stream, TValue)</c> declare different TValues).
    /// </summary>
    private static bool TypesMatch(ITypeSymbol left, ITypeSymbol right, bool allowSpanToMemory)
    {
        switch (left)
        {
            case ITypeParameterSymbol leftParameter when right is ITypeParameterSymbol rightParameter:
                return leftParameter.TypeParameterKind == TypeParameterKind.Method && rightParameter.TypeParameterKind == TypeParameterKind.Method
                    ? leftParameter.Ordinal == rightParameter.Ordinal
                    : SymbolEqualityComparer.Default.Equals(leftParameter, rightParameter);
            case IArrayTypeSymbol leftArray when right is IArrayTypeSymbol rightArray:
                return leftArray.Rank == rightArray.Rank && TypesMatch(leftArray.ElementType, rightArray.ElementType, allowSpanToMemory: false);
            case IArrayTypeSymbol { Rank: 1 } buffer when allowSpanToMemory && right is INamedTypeSymbol { TypeArguments.Length: 1 } memory
                && IsSystemType(memory, "Memory", "ReadOnlyMemory", "ArraySegment"):
                // Socket.Send(byte[]) pairs with SendAsync(ReadOnlyMemory<byte>) / SendAsync(ArraySegment<byte>).
                return TypesMatch(buffer.ElementType, memory.TypeArguments[0], allowSpanToMemory: false);
            case INamedTypeSymbol leftNamed when right is INamedTypeSymbol rightNamed && leftNamed.IsGenericType:
                if (!SymbolEqualityComparer.Default.Equals(leftNamed.OriginalDefinition, rightNamed.OriginalDefinition)
                    && !(allowSpanToMemory && IsSpanOfMemory(leftNamed, rightNamed)))
                {
                    return false;
                }

                if (leftNamed.TypeArguments.Length != rightNamed.TypeArguments.Length)
                {
                    return false;
                }

                for (var i = 0; i < leftNamed.TypeArguments.Length; i++)
                {
                    if (!TypesMatch(leftNamed.TypeArguments[i], rightNamed.TypeArguments[i], allowSpanToMemory: false))
                    {
                        return false;
                    }
                }

                return true;
            default:
                return SymbolEqualityComparer.Default.Equals(left, right);
        }
    }

    /// <summary><c>Read(Span&lt;byte&gt;)</c> pairs with <c>ReadAsync(Memory&lt;byte&gt;)</c> (a span cannot live across an await).</summary>
    private static bool IsSpanOfMemory(INamedTypeSymbol span, INamedTypeSymbol memory)
        => (IsSystemType(span, "Span") && IsSystemType(memory, "Memory"))
            || (IsSystemType(span, "ReadOnlySpan") && IsSystemType(memory, "ReadOnlyMemory"));

    private static bool IsSystemType(INamedTypeSymbol type, params string[] names)
        => Array.IndexOf(names, type.Name) >= 0
            && type.ContainingNamespace is { Name: "System" } system && system.ContainingNamespace is { IsGlobalNamespace: true };

    /// <summary>Synchronous members whose async twin exists for other reasons than blocking I/O.</summary>
    private static bool IsKnownNonBlocking(IMethodSymbol method)
    {
        switch (method.Name)
        {
            // Explicit disposal: `await using` is the async form, and most Dispose implementations release handles only.
            case "Dispose":
                return true;

            // Runs registration callbacks inline; it does not wait for anything.
            case "Cancel":
                return method.ContainingType?.Name == "CancellationTokenSource";

            // EF Core documents AddAsync/AddRangeAsync as only for special value generators; Add does no I/O.
            case "Add" or "AddRange":
                var ns = method.ContainingType?.ContainingNamespace?.ToDisplayString();
                return ns == "Microsoft.EntityFrameworkCore"
                    && method.ContainingType?.Name is "DbSet" or "DbContext";

            // A data reader buffers the whole row when Read/ReadAsync completes; column reads then do no I/O. Their async twins
            // exist for CommandBehavior.SequentialAccess, which streams large columns (and is rare enough to accept the miss).
            case "IsDBNull" or "GetFieldValue":
                return DerivesFromDbDataReader(method.ContainingType);

            default:
                return false;
        }
    }

    private static bool DerivesFromDbDataReader(ITypeSymbol? type)
    {
        for (var current = type; current is not null; current = current.BaseType)
        {
            if (current.Name == "DbDataReader" && current.ContainingNamespace?.ToDisplayString() == "System.Data.Common")
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// In-memory streams, readers and writers do not block: a call is in memory when its receiver (if any) and every
    /// Stream/TextReader/TextWriter argument are, and there is at least one of them.
    /// </summary>
    private static bool IsNonBlockingReceiver(IInvocationOperation invocation, WellKnownTypes types)
    {
        var sawStreamLike = false;
        if (invocation.Instance is { } instance && !invocation.TargetMethod.IsStatic)
        {
            if (!IsInMemory(instance, types, 0))
            {
                return false;
            }

            sawStreamLike = true;
        }
        else if (invocation.Instance is null && invocation.TargetMethod.ReducedFrom is null && IsInMemoryType(invocation.TargetMethod.ContainingType, types))
        {
            // An implicit `this` call inside a MemoryStream subclass.
            return true;
        }

        foreach (var argument in invocation.Arguments)
        {
            if (argument.Value is not { } value || !IsStreamLike(argument.Parameter?.Type, types))
            {
                continue;
            }

            if (!IsInMemory(value, types, 0))
            {
                return false;
            }

            sawStreamLike = true;
        }

        return sawStreamLike;
    }

    private static bool IsInMemory(IOperation operation, WellKnownTypes types, int depth)
    {
        if (depth > MaxInMemoryDepth)
        {
            return false;
        }

        while (operation is IConversionOperation { IsImplicit: true } or IConversionOperation { Conversion.IsReference: true })
        {
            operation = ((IConversionOperation)operation).Operand;
        }

        if (IsInMemoryType(operation.Type, types))
        {
            return true;
        }

        switch (operation)
        {
            case IObjectCreationOperation creation when IsStreamLike(creation.Type, types):
                // A stream, reader or writer built over another stream is as in-memory as the stream under it.
                foreach (var argument in creation.Arguments)
                {
                    if (argument.Value is { } inner && IsStreamLike(argument.Parameter?.Type, types))
                    {
                        return IsInMemory(inner, types, depth + 1);
                    }
                }

                return false;

            case ILocalReferenceOperation local:
                var initializer = SingleAssignmentInitializer(local);
                return initializer is not null && IsInMemory(initializer, types, depth + 1);

            case IFieldReferenceOperation { Field: { } field } when IsStreamLike(field.Type, types):
                return InMemoryFields.HoldsOnlyInMemory(field, System.Threading.CancellationToken.None);

            default:
                return false;
        }
    }

    /// <summary>The initializer of a local that is never assigned again, when the source makes that trivially visible.</summary>
    private static IOperation? SingleAssignmentInitializer(ILocalReferenceOperation reference)
    {
        var local = reference.Local;
        if (local.DeclaringSyntaxReferences.Length != 1 || reference.SemanticModel is not { } model)
        {
            return null;
        }

        if (local.DeclaringSyntaxReferences[0].GetSyntax() is not VariableDeclaratorSyntax { Initializer.Value: { } value } declarator)
        {
            return null;
        }

        var scope = declarator.FirstAncestorOrSelf<BlockSyntax>() ?? (SyntaxNode?)declarator.FirstAncestorOrSelf<CompilationUnitSyntax>();
        if (scope is null || declarator.SyntaxTree != reference.Syntax.SyntaxTree || IsReassigned(scope, local.Name))
        {
            return null;
        }

        return model.GetOperation(value);
    }

    private static bool IsReassigned(SyntaxNode scope, string name)
    {
        foreach (var node in scope.DescendantNodes())
        {
            switch (node)
            {
                case AssignmentExpressionSyntax { Left: IdentifierNameSyntax left } when left.Identifier.ValueText == name:
                    return true;
                case ArgumentSyntax { Expression: IdentifierNameSyntax argument } refArgument
                    when argument.Identifier.ValueText == name && !refArgument.RefKindKeyword.IsKind(SyntaxKind.None):
                    return true;
            }
        }

        return false;
    }

    private static bool IsInMemoryType(ITypeSymbol? type, WellKnownTypes types)
        => WellKnownTypes.DerivesFrom(type, types.MemoryStream)
            || WellKnownTypes.DerivesFrom(type, types.StringReader)
            || WellKnownTypes.DerivesFrom(type, types.StringWriter)
            || DerivesFromSystemIo(type, "UnmanagedMemoryStream");

    // Name checks rather than WellKnownTypes entries: these run only on calls that already have an async twin.
    private static bool IsStreamLike(ITypeSymbol? type, WellKnownTypes types)
        => DerivesFromSystemIo(type, "Stream") || DerivesFromSystemIo(type, "TextReader") || DerivesFromSystemIo(type, "TextWriter");

    private static bool DerivesFromSystemIo(ITypeSymbol? type, string name)
    {
        for (var current = type; current is not null; current = current.BaseType)
        {
            if (current.Name == name && current.ContainingNamespace is { Name: "IO" } io
                && io.ContainingNamespace is { Name: "System" } system && system.ContainingNamespace is { IsGlobalNamespace: true })
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsTimeSpan(ITypeSymbol? type)
        => type is { Name: "TimeSpan", ContainingNamespace: { Name: "System" } system } && system.ContainingNamespace is { IsGlobalNamespace: true };

    /// <summary><c>Wait(0)</c>, <c>Wait(TimeSpan.Zero)</c>, <c>WaitOne(0)</c>, <c>Join(0)</c>...: a probe, not a wait.</summary>
    private static bool HasZeroTimeout(IInvocationOperation invocation)
    {
        foreach (var argument in invocation.Arguments)
        {
            var parameter = argument.Parameter;
            if (parameter is null || argument.Value is not { } value
                || parameter.Name.IndexOf("timeout", StringComparison.OrdinalIgnoreCase) < 0)
            {
                continue;
            }

            if (parameter.Type.SpecialType is SpecialType.System_Int32 or SpecialType.System_Int64 or SpecialType.System_UInt32
                && value.ConstantValue is { HasValue: true, Value: { } constant } && Convert.ToInt64(constant, System.Globalization.CultureInfo.InvariantCulture) == 0)
            {
                return true;
            }

            if (IsTimeSpan(parameter.Type))
            {
                if (value is IFieldReferenceOperation { Field.Name: "Zero" } field && IsTimeSpan(field.Field.ContainingType))
                {
                    return true;
                }

                if (value is IDefaultValueOperation)
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool IsBlockingWaitPrimitive(IInvocationOperation invocation, WellKnownTypes types)
    {
        var method = invocation.TargetMethod;
        var type = method.ContainingType;
        return method.Name switch
        {
            "Wait" => WellKnownTypes.Is(type, types.ManualResetEventSlim) || WellKnownTypes.Is(type, types.CountdownEvent)
                || (WellKnownTypes.Is(type, types.Monitor) && method.IsStatic),
            "WaitOne" or "WaitAll" or "WaitAny" => WellKnownTypes.DerivesFrom(type, types.WaitHandle),
            "SignalAndWait" => WellKnownTypes.Is(type, types.Barrier) || WellKnownTypes.Is(type, types.WaitHandle),
            "Join" => WellKnownTypes.Is(type, types.Thread),
            _ => false,
        };
    }
}

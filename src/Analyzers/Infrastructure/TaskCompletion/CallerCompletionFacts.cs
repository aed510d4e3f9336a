using System.Collections.Concurrent;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace TailGuard.Analyzers;

/// <summary>
/// A fact across methods, gathered in a symbol-start action on the containing type (live in the IDE, each operation read through
/// its own tree's semantic model): a private method whose task parameter is complete at every call, because every caller passes
/// the antecedent of a <c>ContinueWith</c> continuation, or a task it has already awaited:
/// <code>
/// send.ContinueWith(t => OnSent(t), TaskScheduler.Default);        // or send.ContinueWith(OnSent)
/// private void OnSent(Task&lt;int&gt; sent) => Log(sent.Result);            // not reported
/// </code>
/// Sound only if every use of the method is seen: it must be private, ordinary, in a type without nested types (a nested type's
/// calls are not this type's operations), and never referenced other than as a call or as a <c>ContinueWith</c> continuation.
/// </summary>
public sealed class CallerCompletionFacts
{
    private readonly INamedTypeSymbol type;
    private readonly WellKnownTypes types;

    // (method, parameter ordinal) → every call seen so far passed a completed task; false once one did not, or the method escaped.
    private readonly ConcurrentDictionary<(IMethodSymbol Method, int Ordinal), bool> calls = new(TupleComparer.Instance);
    private readonly ConcurrentDictionary<IMethodSymbol, bool> escaped = new(SymbolEqualityComparer.Default);

    public CallerCompletionFacts(INamedTypeSymbol type, WellKnownTypes types)
    {
        this.type = type;
        this.types = types;
    }

    /// <summary>
    /// True when the wait on <paramref name="task"/> in <paramref name="containingSymbol"/> can only be judged once every caller of
    /// the method is seen: the task is a never-reassigned parameter of a private method of a type without nested types.
    /// </summary>
    public static bool IsDeferrable(IOperation? task, ISymbol? containingSymbol, CancellationToken cancellationToken)
    {
        if (AwaitableChain.Unwrap(task, forAwait: false) is not IParameterReferenceOperation { Parameter: { } parameter }
            || containingSymbol is not IMethodSymbol method
            || !IsCandidate(method)
            || !SymbolEqualityComparer.Default.Equals(parameter.ContainingSymbol, method)
            || method.DeclaringSyntaxReferences.Length != 1)
        {
            return false;
        }

        foreach (var node in method.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken).DescendantNodes())
        {
            if (node is AssignmentExpressionSyntax { Left: IdentifierNameSyntax { Identifier.ValueText: var name } } && name == parameter.Name)
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsCandidate(IMethodSymbol method)
        => method is { MethodKind: MethodKind.Ordinary, DeclaredAccessibility: Accessibility.Private, IsAbstract: false, IsVirtual: false, IsOverride: false }
            && method.ContainingType is { } containing
            && containing.GetTypeMembers().Length == 0;

    /// <summary>Records a call of a private method of the type: is each task argument known complete where it is passed?</summary>
    public void RecordCall(IInvocationOperation invocation, CancellationToken cancellationToken)
    {
        var method = invocation.TargetMethod.OriginalDefinition;
        if (!IsCandidate(method) || !SymbolEqualityComparer.Default.Equals(method.ContainingType, type))
        {
            return;
        }

        foreach (var argument in invocation.Arguments)
        {
            if (argument.Parameter is { } parameter && types.IsTaskLike(parameter.Type))
            {
                var complete = TaskCompletionFacts.IsKnownComplete(argument.Value, types, cancellationToken);
                calls.AddOrUpdate((method, parameter.Ordinal), complete, (_, before) => before && complete);
            }
        }
    }

    /// <summary>A method group: complete only as the continuation of <c>t.ContinueWith(Method)</c> (its first parameter is the antecedent).</summary>
    public void RecordReference(IMethodReferenceOperation reference)
    {
        var method = reference.Method.OriginalDefinition;
        if (!IsCandidate(method) || !SymbolEqualityComparer.Default.Equals(method.ContainingType, type))
        {
            return;
        }

        var parent = reference.Parent;
        while (parent is IDelegateCreationOperation or IConversionOperation)
        {
            parent = parent.Parent;
        }

        if (parent is IArgumentOperation { Parameter.Ordinal: 0, Parent: IInvocationOperation { TargetMethod.Name: "ContinueWith" } continuation }
            && WellKnownTypes.DerivesFrom(continuation.TargetMethod.ContainingType, types.Task)
            && method.Parameters.Length > 0)
        {
            calls.AddOrUpdate((method, 0), true, (_, before) => before);
            for (var i = 1; i < method.Parameters.Length; i++)
            {
                calls.AddOrUpdate((method, i), false, (_, _) => false);
            }

            return;
        }

        escaped[method] = true;
    }

    /// <summary>After every operation of the type was seen: is the parameter complete at every call (and was there one)?</summary>
    public bool IsCompleteAtEveryCall(IParameterSymbol parameter)
        => parameter.ContainingSymbol is IMethodSymbol method
            && !escaped.ContainsKey(method.OriginalDefinition)
            && calls.TryGetValue((method.OriginalDefinition, parameter.Ordinal), out var complete)
            && complete;

    private sealed class TupleComparer : System.Collections.Generic.IEqualityComparer<(IMethodSymbol Method, int Ordinal)>
    {
        public static readonly TupleComparer Instance = new();

        public bool Equals((IMethodSymbol Method, int Ordinal) x, (IMethodSymbol Method, int Ordinal) y)
            => x.Ordinal == y.Ordinal && SymbolEqualityComparer.Default.Equals(x.Method, y.Method);

        public int GetHashCode((IMethodSymbol Method, int Ordinal) obj)
            => (SymbolEqualityComparer.Default.GetHashCode(obj.Method) * 31) + obj.Ordinal;
    }
}

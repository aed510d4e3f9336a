using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace TailGuard.Analyzers;

/// <summary>
/// The task variables of one function (method, local function, lambda): which variable an operation names, which variables
/// a waited task may be known through, and whether a fact seen at one point still holds for the variable at another. Every
/// other part of the completion facts asks its questions about one function through this.
/// </summary>
internal sealed class TaskVariables
{
    public TaskVariables(SemanticModel model, WellKnownTypes types, SyntaxNode function, CancellationToken cancellationToken)
    {
        Model = model;
        Types = types;
        Function = function;
        CancellationToken = cancellationToken;
        Mutations = new TaskMutations(model, function, cancellationToken);
    }

    public SemanticModel Model { get; }

    public WellKnownTypes Types { get; }

    /// <summary>The function whose statements are searched for facts; facts never cross into or out of it.</summary>
    public SyntaxNode Function { get; }

    public CancellationToken CancellationToken { get; }

    public TaskMutations Mutations { get; }

    /// <summary>The variable <paramref name="operation"/> reads, through the wrappers of <see cref="AwaitableChain"/>.</summary>
    public TaskKey? KeyOf(IOperation? operation)
    {
        operation = AwaitableChain.Unwrap(operation, forAwait: false);
        switch (operation)
        {
            case ILocalReferenceOperation local:
                return new TaskKey(local.Local, isElement: false);
            case IParameterReferenceOperation parameter:
                return new TaskKey(parameter.Parameter, isElement: false);
            case IFieldReferenceOperation field when field.Instance is null or IInstanceReferenceOperation:
                return new TaskKey(field.Field, isElement: false);
            case IArrayElementReferenceOperation element:
                return KeyOf(element.ArrayReference) is { IsElement: false } array ? new TaskKey(array.Symbol, isElement: true) : null;
            case IPropertyReferenceOperation { Property.IsIndexer: true } indexer:
                return KeyOf(indexer.Instance) is { IsElement: false } list ? new TaskKey(list.Symbol, isElement: true) : null;
            default:
                return null;
        }
    }

    /// <summary>
    /// The variables whose facts answer for <paramref name="task"/>: its own, and the collection a <c>foreach</c> variable comes
    /// from, or the task a never-changed awaiter local was taken from.
    /// </summary>
    public List<TaskKey> KeysFor(IOperation? task)
    {
        var keys = new List<TaskKey>();
        if (KeyOf(task) is not { } key)
        {
            return keys;
        }

        keys.Add(key);
        if (!key.IsElement && key.Symbol is ILocalSymbol local)
        {
            foreach (var reference in local.DeclaringSyntaxReferences)
            {
                var declaration = reference.GetSyntax(CancellationToken);
                if (declaration is ForEachStatementSyntax forEach
                    && KeyOf(GetOperation(forEach.Expression)) is { IsElement: false } collection)
                {
                    // foreach (var t in tasks): t is "an element of tasks".
                    keys.Add(new TaskKey(collection.Symbol, isElement: true));
                }
                else if (declaration is VariableDeclaratorSyntax { Initializer.Value: { } initializer }
                    && !Mutations.Has(local, m => m.Kind != MutationKind.None)
                    && GetOperation(initializer) is IInvocationOperation { TargetMethod.Name: "GetAwaiter" } getAwaiter
                    && KeyOf(AwaitableChain.Unwrap(getAwaiter, forAwait: false)) is { } aliased)
                {
                    // var awaiter = t.GetAwaiter(): the awaiter completes with t.
                    keys.Add(aliased);
                }
            }
        }

        return keys;
    }

    /// <summary>
    /// True when <paramref name="candidate"/>, seen by a fact at <paramref name="position"/>, is one of <paramref name="keys"/> and
    /// still names the same task afterwards.
    /// </summary>
    public bool Matches(TaskKey? candidate, List<TaskKey> keys, int position)
    {
        if (candidate is not { } key || !keys.Contains(key))
        {
            return false;
        }

        // The fact is void if the variable may name another task by the time of the read.
        return !Mutations.Has(key.Symbol, m => m.InNestedFunction
            ? m.Kind is MutationKind.Reassign || (key.IsElement && m.Kind is MutationKind.ElementSet or MutationKind.Add)
            : m.Position > position && (m.Kind is MutationKind.Reassign || (key.IsElement && m.Kind is MutationKind.ElementSet or MutationKind.Add)));
    }

    /// <summary>The outermost operation of <paramref name="node"/> itself (an implicit conversion around it included).</summary>
    public IOperation? GetOperation(SyntaxNode node)
    {
        var operation = Model.GetOperation(node, CancellationToken);
        while (operation is not null && operation.Syntax != node && operation.Parent?.Syntax == node)
        {
            operation = operation.Parent;
        }

        return operation;
    }
}

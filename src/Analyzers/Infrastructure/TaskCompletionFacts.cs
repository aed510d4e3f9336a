using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace TailGuard.Analyzers;

/// <summary>
/// Answers "is this task known to have completed at this point?", so that reading its result does not block.
/// </summary>
/// <remarks>
/// <para>
/// The reasoning is a sound-leaning approximation on syntax and operations inside one function (method, local function,
/// lambda). A fact holds at a read when it <em>dominates</em> the read in that function: it sits in an earlier statement of a
/// block that encloses the read (and is evaluated unconditionally inside that statement), or in the condition of an
/// <c>if</c>/<c>?:</c>/<c>&amp;&amp;</c>/<c>||</c>/<c>while</c> whose branch holds the read. Facts never cross into or out of
/// a lambda or local function. Task completion is monotonic, so a fact stays true as long as the variable still names the
/// same task: any assignment to it after the fact, or anywhere inside a nested function, voids the fact.
/// </para>
/// <para>
/// Facts: <c>await t</c> (also through <c>ConfigureAwait</c>/<c>WaitAsync</c>); <c>await Task.WhenAll(..., t, ...)</c>, including a
/// collection variable whose elements are trivially visible (initializer, earlier unconditional <c>Add</c>) and every element of
/// an awaited collection (indexer, <c>foreach</c> variable); <c>t.Wait()</c>, <c>Task.WaitAll(..., t, ...)</c> and an earlier
/// blocking read of <c>t</c>; <c>Debug.Assert(t.IsCompleted)</c>; conditions on <c>IsCompleted</c>,
/// <c>IsCompletedSuccessfully</c>, <c>IsFaulted</c>, <c>IsCanceled</c>, <c>Status == TaskStatus.RanToCompletion</c> (also
/// <c>Faulted</c>/<c>Canceled</c>) or a bool-returning <c>t.Wait(timeout)</c>; an <c>if (!t.IsCompleted) { ... }</c> whose body
/// awaits <c>t</c> or leaves (return, throw, break, continue); a <c>while (!t.IsCompleted)</c> loop with no <c>break</c>; the antecedent parameter of a <c>ContinueWith</c> continuation;
/// <c>Task.FromResult</c>/<c>Task.CompletedTask</c>; a task returned by a call whose <c>async</c> parameter is the constant <c>false</c>
/// (the drivers' shared sync/async implementation).
/// </para>
/// <para>Known unsoundness, accepted: fields can be reassigned by other methods or threads; <c>goto</c> is ignored.</para>
/// </remarks>
public static class TaskCompletionFacts
{
    private static readonly string[] CompletionProperties = { "IsCompleted", "IsCompletedSuccessfully", "IsFaulted", "IsCanceled" };

    /// <summary>
    /// True when the task (or awaiter) produced by <paramref name="taskReference"/> is known to be complete where it is evaluated.
    /// Pass the receiver of <c>.Result</c>, <c>.Wait()</c> or <c>.GetResult()</c> (a <c>GetAwaiter()</c>/<c>ConfigureAwait</c> chain is
    /// unwrapped here).
    /// </summary>
    public static bool IsKnownComplete(IOperation? taskReference, WellKnownTypes types, CancellationToken cancellationToken)
    {
        if (taskReference?.SemanticModel is not { } model)
        {
            return false;
        }

        var task = Unwrap(taskReference, forAwait: false);
        if (IsTriviallyComplete(task, types) || IsSynchronousPathCall(task))
        {
            return true;
        }

        var function = AsyncContext.EnclosingFunction(taskReference.Syntax);
        if (function is null)
        {
            return false;
        }

        var analysis = new Analysis(model, types, function, cancellationToken);
        var keys = analysis.KeysFor(task);
        if (keys.Count == 0)
        {
            return false;
        }

        return analysis.IsContinuationAntecedent(keys) || analysis.IsSynchronousPathLocal(keys) || analysis.HoldsAt(taskReference.Syntax, keys)
            || IsElementOfCompletedSource(model, types, keys, cancellationToken);
    }

    /// <summary>
    /// <c>await Task.WhenAll(tasks); tasks.Select(t => t.Result)</c>: the parameter of a LINQ lambda over a collection is one of its
    /// elements, so the facts about the collection's elements at the point where the lambda is created apply (a query built before the
    /// fact and enumerated after it is still reported: the lambda is checked where it is written).
    /// </summary>
    private static bool IsElementOfCompletedSource(SemanticModel model, WellKnownTypes types, List<TaskKey> keys, CancellationToken cancellationToken)
    {
        foreach (var key in keys)
        {
            if (key is not { IsElement: false, Symbol: IParameterSymbol { Ordinal: 0, ContainingSymbol: IMethodSymbol { MethodKind: MethodKind.AnonymousFunction } lambdaSymbol } }
                || lambdaSymbol.DeclaringSyntaxReferences.Length != 1
                || lambdaSymbol.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken) is not AnonymousFunctionExpressionSyntax lambda
                || lambda.Parent is not ArgumentSyntax { Parent.Parent: InvocationExpressionSyntax call }
                || model.GetOperation(call, cancellationToken) is not IInvocationOperation { Instance: null, Arguments.Length: > 1 } invocation
                || invocation.TargetMethod.ContainingType?.ToDisplayString() != "System.Linq.Enumerable"
                || invocation.Arguments[0].Syntax.Span.Contains(lambda.Span)
                || AsyncContext.EnclosingFunction(lambda) is not { } outer)
            {
                continue;
            }

            var outerAnalysis = new Analysis(model, types, outer, cancellationToken);
            if (outerAnalysis.KeyFor(invocation.Arguments[0].Value) is { IsElement: false } source
                && !outerAnalysis.IsReassignedAnywhere(key.Symbol)
                && outerAnalysis.HoldsAt(lambda, new List<TaskKey> { new(source.Symbol, isElement: true) }))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// True when <paramref name="task"/> is a call whose <c>async</c> boolean argument is the constant <c>false</c>
    /// (named or positional, or a default value): drivers implement sync and async APIs with one method that takes
    /// <c>bool async</c> and only awaits when it is true, so the returned task has completed when the call returns.
    /// </summary>
    public static bool IsSynchronousPathCall(IOperation? task)
    {
        if (Unwrap(task, forAwait: false) is not IInvocationOperation invocation)
        {
            return false;
        }

        foreach (var argument in invocation.Arguments)
        {
            if (argument.Parameter is { } parameter
                && string.Equals(parameter.Name, "async", StringComparison.Ordinal)
                && parameter.Type.SpecialType == SpecialType.System_Boolean)
            {
                var value = argument.Value.ConstantValue;
                return value.HasValue && value.Value is false;
            }
        }

        return false;
    }

    /// <summary>Strips conversions, parentheses, <c>GetAwaiter()</c>, <c>ConfigureAwait(...)</c>, <c>AsTask()</c> (and for awaits, <c>WaitAsync</c>).</summary>
    internal static IOperation? Unwrap(IOperation? operation, bool forAwait)
    {
        while (true)
        {
            switch (operation)
            {
                case IConversionOperation conversion:
                    operation = conversion.Operand;
                    continue;
                case IParenthesizedOperation parenthesized:
                    operation = parenthesized.Operand;
                    continue;
                case IInvocationOperation { Instance: { } instance } invocation
                    when invocation.TargetMethod.Name is "GetAwaiter" or "ConfigureAwait" or "AsTask"
                        || (forAwait && invocation.TargetMethod.Name == "WaitAsync"):
                    operation = instance;
                    continue;
                default:
                    return operation;
            }
        }
    }

    private static bool IsTriviallyComplete(IOperation? task, WellKnownTypes types)
    {
        switch (task)
        {
            case IInvocationOperation invocation when invocation.TargetMethod.IsStatic
                && invocation.TargetMethod.Name is "FromResult" or "FromException" or "FromCanceled":
                return types.IsTaskLike(invocation.TargetMethod.ContainingType);
            case IPropertyReferenceOperation { Property: { IsStatic: true, Name: "CompletedTask" } property }:
                return types.IsTaskLike(property.ContainingType);
            case IObjectCreationOperation creation when WellKnownTypes.Is(creation.Type, types.ValueTaskOfT):
                // new ValueTask<T>(value) is complete; new ValueTask<T>(task) is not.
                return creation.Arguments.Length == 1 && !types.IsTaskLike(creation.Arguments[0].Value.Type)
                    && creation.Arguments[0].Value.Type?.Name != "IValueTaskSource";
            case IDefaultValueOperation defaultValue:
                return WellKnownTypes.Is(defaultValue.Type, types.ValueTask) || WellKnownTypes.Is(defaultValue.Type, types.ValueTaskOfT);
            default:
                return false;
        }
    }

    /// <summary>A task variable: a local, parameter or field, or "any element of" a collection variable.</summary>
    internal readonly struct TaskKey : IEquatable<TaskKey>
    {
        public TaskKey(ISymbol symbol, bool isElement)
        {
            Symbol = symbol;
            IsElement = isElement;
        }

        public ISymbol Symbol { get; }

        public bool IsElement { get; }

        public bool Equals(TaskKey other) => IsElement == other.IsElement && SymbolEqualityComparer.Default.Equals(Symbol, other.Symbol);

        public override bool Equals(object? obj) => obj is TaskKey other && Equals(other);

        public override int GetHashCode() => (SymbolEqualityComparer.Default.GetHashCode(Symbol) * 397) ^ (IsElement ? 1 : 0);
    }

    private enum Mutation
    {
        None,
        Reassign,
        ElementSet,
        Add,
        Remove,
    }

    private sealed class Analysis
    {
        private static readonly HashSet<string> AddMethods = new(StringComparer.Ordinal)
        {
            "Add", "AddRange", "Insert", "InsertRange", "Push", "Enqueue", "TryAdd",
        };

        private static readonly HashSet<string> RemoveMethods = new(StringComparer.Ordinal)
        {
            "Remove", "RemoveAt", "RemoveAll", "RemoveRange", "Clear", "Pop", "TryPop", "Dequeue", "TryDequeue", "TryTake", "Take",
        };

        private readonly SemanticModel model;
        private readonly WellKnownTypes types;
        private readonly SyntaxNode function;
        private readonly CancellationToken cancellationToken;
        private readonly Dictionary<ISymbol, List<(int Position, Mutation Kind, bool InNestedFunction)>> mutations =
            new(SymbolEqualityComparer.Default);

        public Analysis(SemanticModel model, WellKnownTypes types, SyntaxNode function, CancellationToken cancellationToken)
        {
            this.model = model;
            this.types = types;
            this.function = function;
            this.cancellationToken = cancellationToken;
        }

        public TaskKey? KeyFor(IOperation? operation) => KeyOf(operation);

        public bool IsReassignedAnywhere(ISymbol symbol) => HasMutation(symbol, m => m.Kind == Mutation.Reassign);

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
                    var declaration = reference.GetSyntax(cancellationToken);
                    if (declaration is ForEachStatementSyntax forEach
                        && KeyOf(GetOperation(forEach.Expression)) is { IsElement: false } collection)
                    {
                        // foreach (var t in tasks): t is "an element of tasks".
                        keys.Add(new TaskKey(collection.Symbol, isElement: true));
                    }
                    else if (declaration is VariableDeclaratorSyntax { Initializer.Value: { } initializer }
                        && !HasMutation(local, m => m.Kind != Mutation.None)
                        && GetOperation(initializer) is IInvocationOperation { TargetMethod.Name: "GetAwaiter" } getAwaiter
                        && KeyOf(Unwrap(getAwaiter, forAwait: false)) is { } aliased)
                    {
                        // var awaiter = t.GetAwaiter(): the awaiter completes with t.
                        keys.Add(aliased);
                    }
                }
            }

            return keys;
        }

        /// <summary><c>var t = OpenCore(async: false, ct); ... t.GetAwaiter().GetResult();</c> with <c>t</c> never reassigned.</summary>
        public bool IsSynchronousPathLocal(List<TaskKey> keys)
        {
            foreach (var key in keys)
            {
                if (key is { IsElement: false, Symbol: ILocalSymbol local }
                    && local.DeclaringSyntaxReferences.Length == 1
                    && local.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken) is VariableDeclaratorSyntax { Initializer.Value: { } initializer }
                    && IsSynchronousPathCall(GetOperation(initializer))
                    && !HasMutation(local, m => m.Kind == Mutation.Reassign))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>The parameter of a ContinueWith / ContinueWhenAll / ContinueWhenAny continuation is already complete.</summary>
        public bool IsContinuationAntecedent(List<TaskKey> keys)
        {
            foreach (var key in keys)
            {
                if (key.Symbol is not IParameterSymbol { Ordinal: 0 } parameter
                    || parameter.ContainingSymbol is not IMethodSymbol { MethodKind: MethodKind.AnonymousFunction }
                    || HasMutation(parameter, m => m.Kind is Mutation.Reassign or Mutation.ElementSet))
                {
                    continue;
                }

                var lambda = parameter.ContainingSymbol.DeclaringSyntaxReferences.Length == 1
                    ? parameter.ContainingSymbol.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken)
                    : null;
                if (lambda?.Parent is not ArgumentSyntax { Parent.Parent: InvocationExpressionSyntax call }
                    || GetOperation(call) is not IInvocationOperation invocation)
                {
                    continue;
                }

                var method = invocation.TargetMethod;
                var isContinueWith = method.Name == "ContinueWith" && WellKnownTypes.DerivesFrom(method.ContainingType, types.Task);
                var isContinueWhen = method.Name is "ContinueWhenAll" or "ContinueWhenAny"
                    && (WellKnownTypes.Is(method.ContainingType, types.TaskFactory)
                        || method.ContainingType?.Name == "TaskFactory");
                if (isContinueWith && !key.IsElement)
                {
                    return true;
                }

                if (isContinueWhen && (key.IsElement == (method.Name == "ContinueWhenAll")))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>True when some fact about one of <paramref name="keys"/> dominates <paramref name="read"/> in the function.</summary>
        public bool HoldsAt(SyntaxNode read, List<TaskKey> keys)
        {
            var child = read;
            for (var parent = read.Parent; parent is not null && child != function; child = parent, parent = parent.Parent)
            {
                cancellationToken.ThrowIfCancellationRequested();
                switch (parent)
                {
                    case IfStatementSyntax ifStatement when child == ifStatement.Statement:
                        if (ConditionHolds(ifStatement.Condition, true, keys))
                        {
                            return true;
                        }

                        break;
                    case IfStatementSyntax ifStatement when child == ifStatement.Else:
                        if (ConditionHolds(ifStatement.Condition, false, keys))
                        {
                            return true;
                        }

                        break;
                    case ConditionalExpressionSyntax conditional when child == conditional.WhenTrue || child == conditional.WhenFalse:
                        if (ConditionHolds(conditional.Condition, child == conditional.WhenTrue, keys))
                        {
                            return true;
                        }

                        break;
                    case BinaryExpressionSyntax binary when child == binary.Right
                        && binary.Kind() is SyntaxKind.LogicalAndExpression or SyntaxKind.LogicalOrExpression:
                        if (ConditionHolds(binary.Left, binary.IsKind(SyntaxKind.LogicalAndExpression), keys))
                        {
                            return true;
                        }

                        break;
                    case WhileStatementSyntax whileStatement when child == whileStatement.Statement:
                        if (ConditionHolds(whileStatement.Condition, true, keys))
                        {
                            return true;
                        }

                        break;
                    case ForStatementSyntax forStatement when child == forStatement.Statement && forStatement.Condition is not null:
                        if (ConditionHolds(forStatement.Condition, true, keys))
                        {
                            return true;
                        }

                        break;
                    case BlockSyntax block:
                        if (AnyEarlierStatementEstablishes(block.Statements, child, keys))
                        {
                            return true;
                        }

                        break;
                    case SwitchSectionSyntax section:
                        if (AnyEarlierStatementEstablishes(section.Statements, child, keys))
                        {
                            return true;
                        }

                        break;
                    case CompilationUnitSyntax unit when child is GlobalStatementSyntax:
                        for (var i = unit.Members.IndexOf((MemberDeclarationSyntax)child) - 1; i >= 0; i--)
                        {
                            if (unit.Members[i] is GlobalStatementSyntax global && Establishes(global.Statement, keys))
                            {
                                return true;
                            }
                        }

                        break;
                }

                if (parent is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax)
                {
                    break;
                }
            }

            return false;
        }

        private bool AnyEarlierStatementEstablishes(SyntaxList<StatementSyntax> statements, SyntaxNode child, List<TaskKey> keys)
        {
            if (child is not StatementSyntax statement)
            {
                return false;
            }

            for (var i = statements.IndexOf(statement) - 1; i >= 0; i--)
            {
                if (Establishes(statements[i], keys))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>True when completing <paramref name="statement"/> normally implies one of the tasks is complete.</summary>
        private bool Establishes(StatementSyntax statement, List<TaskKey> keys)
        {
            switch (statement)
            {
                case LocalFunctionStatementSyntax:
                    return false;
                case BlockSyntax block:
                    foreach (var inner in block.Statements)
                    {
                        if (Establishes(inner, keys))
                        {
                            return true;
                        }
                    }

                    return false;
                case WhileStatementSyntax whileStatement:
                    // while (!t.IsCompleted) { ... } ends only when t has completed, unless the body breaks out.
                    return ContainsUnconditionalFact(whileStatement.Condition, whileStatement, keys)
                        || (ConditionHolds(whileStatement.Condition, false, keys, whileStatement.SpanStart) && !BreaksOut(whileStatement));
                case IfStatementSyntax ifStatement:
                    if (ContainsUnconditionalFact(ifStatement.Condition, ifStatement, keys))
                    {
                        return true;
                    }

                    var whenTrue = ConditionHolds(ifStatement.Condition, true, keys, ifStatement.SpanStart)
                        || LeavesOrEstablishes(ifStatement.Statement, keys);
                    var whenFalse = ConditionHolds(ifStatement.Condition, false, keys, ifStatement.SpanStart)
                        || (ifStatement.Else is not null && LeavesOrEstablishes(ifStatement.Else.Statement, keys));
                    return whenTrue && whenFalse;
                default:
                    return ContainsUnconditionalFact(statement, statement, keys);
            }
        }

        private static bool IsNameOf(SyntaxNode node)
            => node is InvocationExpressionSyntax { Expression: IdentifierNameSyntax { Identifier.ValueText: "nameof" } };

        /// <summary>True when a <c>break</c> (or <c>goto</c>) in the loop's body may leave it.</summary>
        private static bool BreaksOut(WhileStatementSyntax loop)
            => loop.Statement.DescendantNodesAndSelf(n => n is not AnonymousFunctionExpressionSyntax and not LocalFunctionStatementSyntax
                    and not ForStatementSyntax and not CommonForEachStatementSyntax and not WhileStatementSyntax and not DoStatementSyntax
                    and not SwitchStatementSyntax)
                .Any(n => n is BreakStatementSyntax or GotoStatementSyntax)
                || loop.Statement.DescendantNodes().OfType<GotoStatementSyntax>().Any();

        private bool LeavesOrEstablishes(StatementSyntax statement, List<TaskKey> keys)
            => EndsAbruptly(statement) || Establishes(statement, keys);

        private static bool EndsAbruptly(StatementSyntax statement) => statement switch
        {
            ReturnStatementSyntax or ThrowStatementSyntax or BreakStatementSyntax or ContinueStatementSyntax or GotoStatementSyntax => true,
            YieldStatementSyntax yield => yield.IsKind(SyntaxKind.YieldBreakStatement),
            BlockSyntax block => block.Statements.Count > 0 && EndsAbruptly(block.Statements[block.Statements.Count - 1]),
            IfStatementSyntax ifStatement => ifStatement.Else is not null && EndsAbruptly(ifStatement.Statement) && EndsAbruptly(ifStatement.Else.Statement),
            ExpressionStatementSyntax { Expression: ThrowExpressionSyntax } => true,
            _ => false,
        };

        private bool ContainsUnconditionalFact(SyntaxNode node, SyntaxNode statement, List<TaskKey> keys)
        {
            foreach (var candidate in node.DescendantNodesAndSelf(n => n is not AnonymousFunctionExpressionSyntax and not LocalFunctionStatementSyntax
                && !IsNameOf(n)))
            {
                if (candidate is not (AwaitExpressionSyntax or InvocationExpressionSyntax or MemberAccessExpressionSyntax))
                {
                    continue;
                }

                if (IsFact(GetOperation(candidate), keys) && IsUnconditionalWithin(candidate, statement))
                {
                    return true;
                }
            }

            return false;
        }

        private bool IsFact(IOperation? operation, List<TaskKey> keys)
        {
            var position = operation?.Syntax.SpanStart ?? 0;
            switch (operation)
            {
                case IAwaitOperation awaitOperation:
                {
                    var awaited = Unwrap(awaitOperation.Operation, forAwait: true);
                    if (Matches(KeyOf(awaited), keys, position))
                    {
                        return true;
                    }

                    return awaited is IInvocationOperation { TargetMethod: { IsStatic: true, Name: "WhenAll" } whenAll } all
                        && WellKnownTypes.Is(whenAll.ContainingType, types.Task)
                        && ArgumentsContain(all, keys, position);
                }

                case IInvocationOperation invocation:
                {
                    var method = invocation.TargetMethod;
                    switch (method.Name)
                    {
                        case "Wait" when !method.IsStatic && method.ReturnsVoid && WellKnownTypes.DerivesFrom(method.ContainingType, types.Task):
                            return Matches(KeyOf(invocation.Instance), keys, position);
                        case "WaitAll" when method.IsStatic && method.ReturnsVoid && WellKnownTypes.Is(method.ContainingType, types.Task):
                            return ArgumentsContain(invocation, keys, position);
                        case "GetResult" when !method.IsStatic && types.IsTaskAwaiter(method.ContainingType):
                            return Matches(KeyOf(Unwrap(invocation.Instance, forAwait: false)), keys, position);
                        case "Assert" when method.IsStatic && invocation.Arguments.Length > 0
                            && (WellKnownTypes.Is(method.ContainingType, types.Debug) || method.ContainingType?.ToDisplayString() == "System.Diagnostics.Trace"):
                            return ConditionHolds(ArgumentValue(invocation, 0), true, keys, position);
                        default:
                            return false;
                    }
                }

                case IPropertyReferenceOperation property when TaskWaits.IsBlockingResultRead(property, types):
                    return Matches(KeyOf(property.Instance), keys, position);
                default:
                    return false;
            }
        }

        private static IOperation? ArgumentValue(IInvocationOperation invocation, int ordinal)
        {
            foreach (var argument in invocation.Arguments)
            {
                if (argument.Parameter?.Ordinal == ordinal)
                {
                    return argument.Value;
                }
            }

            return null;
        }

        private bool ConditionHolds(SyntaxNode condition, bool whenTrue, List<TaskKey> keys)
            => ConditionHolds(GetOperation(condition), whenTrue, keys, condition.SpanStart);

        private bool ConditionHolds(ExpressionSyntax condition, bool whenTrue, List<TaskKey> keys, int position)
            => ConditionHolds(GetOperation(condition), whenTrue, keys, position);

        /// <summary>True when <paramref name="condition"/> evaluating to <paramref name="whenTrue"/> implies a task in <paramref name="keys"/> is complete.</summary>
        private bool ConditionHolds(IOperation? condition, bool whenTrue, List<TaskKey> keys, int position)
        {
            switch (condition)
            {
                case IConversionOperation conversion:
                    return ConditionHolds(conversion.Operand, whenTrue, keys, position);
                case IParenthesizedOperation parenthesized:
                    return ConditionHolds(parenthesized.Operand, whenTrue, keys, position);
                case IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } not:
                    return ConditionHolds(not.Operand, !whenTrue, keys, position);
                case IBinaryOperation binary:
                    return BinaryConditionHolds(binary, whenTrue, keys, position);
                case IPropertyReferenceOperation property when Array.IndexOf(CompletionProperties, property.Property.Name) >= 0
                    && property.Property.Type.SpecialType == SpecialType.System_Boolean:
                    return whenTrue && Matches(KeyOf(Unwrap(property.Instance, forAwait: false)), keys, position);
                case IInvocationOperation invocation when whenTrue && invocation.TargetMethod.ReturnType.SpecialType == SpecialType.System_Boolean:
                {
                    var method = invocation.TargetMethod;
                    if (method.Name == "Wait" && !method.IsStatic && WellKnownTypes.DerivesFrom(method.ContainingType, types.Task))
                    {
                        return Matches(KeyOf(invocation.Instance), keys, position);
                    }

                    return method.Name == "WaitAll" && method.IsStatic && WellKnownTypes.Is(method.ContainingType, types.Task)
                        && ArgumentsContain(invocation, keys, position);
                }

                case IIsPatternOperation isPattern:
                    return PatternConditionHolds(isPattern.Value, isPattern.Pattern, whenTrue, keys, position);
                default:
                    return false;
            }
        }

        private bool BinaryConditionHolds(IBinaryOperation binary, bool whenTrue, List<TaskKey> keys, int position)
        {
            switch (binary.OperatorKind)
            {
                case BinaryOperatorKind.ConditionalAnd:
                    return whenTrue
                        ? ConditionHolds(binary.LeftOperand, true, keys, position) || ConditionHolds(binary.RightOperand, true, keys, position)
                        : ConditionHolds(binary.LeftOperand, false, keys, position) && ConditionHolds(binary.RightOperand, false, keys, position);
                case BinaryOperatorKind.ConditionalOr:
                    return whenTrue
                        ? ConditionHolds(binary.LeftOperand, true, keys, position) && ConditionHolds(binary.RightOperand, true, keys, position)
                        : ConditionHolds(binary.LeftOperand, false, keys, position) || ConditionHolds(binary.RightOperand, false, keys, position);
                case BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals:
                {
                    var equalWhen = binary.OperatorKind == BinaryOperatorKind.Equals ? whenTrue : !whenTrue;
                    var (subject, constant) = binary.RightOperand.ConstantValue.HasValue
                        ? (binary.LeftOperand, binary.RightOperand)
                        : (binary.RightOperand, binary.LeftOperand);
                    if (!constant.ConstantValue.HasValue)
                    {
                        return false;
                    }

                    if (constant.ConstantValue.Value is bool expected)
                    {
                        // t.IsCompleted == true, t.IsCompleted != false, ...
                        return ConditionHolds(subject, equalWhen == expected, keys, position);
                    }

                    return equalWhen && IsCompletedStatus(subject, constant, keys, position);
                }

                default:
                    return false;
            }
        }

        private bool PatternConditionHolds(IOperation value, IPatternOperation pattern, bool whenTrue, List<TaskKey> keys, int position)
        {
            switch (pattern)
            {
                case INegatedPatternOperation negated:
                    return PatternConditionHolds(value, negated.Pattern, !whenTrue, keys, position);
                case IConstantPatternOperation constant when constant.Value.ConstantValue is { HasValue: true, Value: bool expected }:
                    return ConditionHolds(value, whenTrue == expected, keys, position);
                case IConstantPatternOperation constant:
                    return whenTrue && IsCompletedStatus(value, constant.Value, keys, position);
                case IRecursivePatternOperation recursive when whenTrue:
                    foreach (var sub in recursive.PropertySubpatterns)
                    {
                        if (sub.Member is IPropertyReferenceOperation { Property: { } member }
                            && sub.Pattern is IConstantPatternOperation { Value.ConstantValue: { HasValue: true, Value: true } }
                            && Array.IndexOf(CompletionProperties, member.Name) >= 0
                            && (Matches(KeyOf(Unwrap(value, forAwait: false)), keys, position)
                                || (recursive.DeclaredSymbol is ILocalSymbol designated && Matches(new TaskKey(designated, isElement: false), keys, position))))
                        {
                            return true;
                        }
                    }

                    return false;
                default:
                    return false;
            }
        }

        /// <summary><c>t.Status == TaskStatus.RanToCompletion</c> (or Faulted, Canceled): all final states.</summary>
        private bool IsCompletedStatus(IOperation subject, IOperation constant, List<TaskKey> keys, int position)
        {
            if (Unwrap(subject, forAwait: false) is not IPropertyReferenceOperation { Property.Name: "Status" } status
                || !WellKnownTypes.Is(status.Type, types.TaskStatus)
                || constant.ConstantValue.Value is not { } raw)
            {
                return false;
            }

            // TaskStatus: RanToCompletion = 5, Canceled = 6, Faulted = 7.
            var value = Convert.ToInt32(raw, System.Globalization.CultureInfo.InvariantCulture);
            return value is >= 5 and <= 7 && Matches(KeyOf(status.Instance), keys, position);
        }

        /// <summary>True when a WhenAll/WaitAll argument list (params array, collection expression, collection variable) contains a key.</summary>
        private bool ArgumentsContain(IInvocationOperation invocation, List<TaskKey> keys, int position)
        {
            foreach (var argument in invocation.Arguments)
            {
                if (argument.Value.Type is { } type && (type.SpecialType == SpecialType.System_Int32
                    || WellKnownTypes.Is(type, types.CancellationToken) || type.Name == "TimeSpan"))
                {
                    continue;
                }

                foreach (var element in Elements(argument.Value))
                {
                    if (Matches(KeyOf(element), keys, position))
                    {
                        return true;
                    }

                    // A collection variable: its elements are complete, and so is every task trivially visible in it.
                    if (KeyOf(element) is { IsElement: false } collection && !types.IsTaskLike(element.Type))
                    {
                        if (Matches(new TaskKey(collection.Symbol, isElement: true), keys, position)
                            || CollectionContains(collection.Symbol, keys, position, element.Syntax))
                        {
                            return true;
                        }
                    }
                }
            }

            return false;
        }

        private static IEnumerable<IOperation> Elements(IOperation value)
        {
            while (value is IConversionOperation conversion)
            {
                value = conversion.Operand;
            }

            switch (value)
            {
                case IArrayCreationOperation array:
                    if (array.Initializer is not null)
                    {
                        foreach (var element in array.Initializer.ElementValues)
                        {
                            yield return element;
                        }
                    }

                    yield break;
                case IObjectCreationOperation { Initializer: { } initializer }:
                    foreach (var item in initializer.Initializers)
                    {
                        if (item is IInvocationOperation add)
                        {
                            foreach (var argument in add.Arguments)
                            {
                                yield return argument.Value;
                            }
                        }
                    }

                    yield break;
                default:
                    if (value.Syntax is CollectionExpressionSyntax || (value.IsImplicit && value.ChildOperations.Count > 0))
                    {
                        // Collection expressions and params collections have no dedicated operation in Roslyn 4.8: use the children.
                        foreach (var child in value.ChildOperations)
                        {
                            yield return child;
                        }

                        yield break;
                    }

                    yield return value;
                    yield break;
            }
        }

        /// <summary>
        /// True when the collection variable visibly holds one of the tasks: in its initializer, or through an earlier unconditional
        /// <c>Add</c>, with no removal or element assignment anywhere in the function.
        /// </summary>
        private bool CollectionContains(ISymbol collection, List<TaskKey> keys, int position, SyntaxNode use)
        {
            if (collection is not ILocalSymbol local
                || HasMutation(local, m => m.Kind is Mutation.Reassign or Mutation.ElementSet or Mutation.Remove))
            {
                return false;
            }

            foreach (var reference in local.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax(cancellationToken) is VariableDeclaratorSyntax { Initializer.Value: { } initializer }
                    && GetOperation(initializer) is { } value)
                {
                    foreach (var element in Elements(value))
                    {
                        if (element != value && Matches(KeyOf(element), keys, position))
                        {
                            return true;
                        }
                    }
                }
            }

            return EarlierStatementAdds(use, local, keys, position);
        }

        private bool EarlierStatementAdds(SyntaxNode use, ILocalSymbol collection, List<TaskKey> keys, int position)
        {
            var child = use;
            for (var parent = use.Parent; parent is not null && child != function; child = parent, parent = parent.Parent)
            {
                if (parent is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax)
                {
                    return false;
                }

                if (parent is BlockSyntax block && child is StatementSyntax statement)
                {
                    for (var i = block.Statements.IndexOf(statement) - 1; i >= 0; i--)
                    {
                        if (block.Statements[i] is ExpressionStatementSyntax { Expression: InvocationExpressionSyntax call }
                            && GetOperation(call) is IInvocationOperation { TargetMethod.Name: "Add" or "Insert" or "Push" or "Enqueue" } add
                            && KeyOf(add.Instance) is { IsElement: false } receiver
                            && SymbolEqualityComparer.Default.Equals(receiver.Symbol, collection))
                        {
                            foreach (var argument in add.Arguments)
                            {
                                if (Matches(KeyOf(argument.Value), keys, position))
                                {
                                    return true;
                                }
                            }
                        }
                    }
                }
            }

            return false;
        }

        /// <summary>True when <paramref name="node"/> is evaluated whenever <paramref name="statement"/> completes normally.</summary>
        private static bool IsUnconditionalWithin(SyntaxNode node, SyntaxNode statement)
        {
            var child = node;
            for (var parent = node.Parent; parent is not null && child != statement; child = parent, parent = parent.Parent)
            {
                var conditional = parent switch
                {
                    AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax => true,
                    IfStatementSyntax ifStatement => child != ifStatement.Condition,
                    ElseClauseSyntax => true,
                    ConditionalExpressionSyntax conditionalExpression => child != conditionalExpression.Condition,
                    BinaryExpressionSyntax binary => child == binary.Right
                        && binary.Kind() is SyntaxKind.LogicalAndExpression or SyntaxKind.LogicalOrExpression or SyntaxKind.CoalesceExpression,
                    AssignmentExpressionSyntax assignment => child == assignment.Right && assignment.IsKind(SyntaxKind.CoalesceAssignmentExpression),
                    ConditionalAccessExpressionSyntax access => child != access.Expression,
                    WhileStatementSyntax whileStatement => child != whileStatement.Condition,
                    ForStatementSyntax forStatement => child == forStatement.Statement || (child is ExpressionSyntax incrementor && forStatement.Incrementors.Contains(incrementor)),
                    CommonForEachStatementSyntax forEach => child != forEach.Expression,
                    DoStatementSyntax doStatement => child == doStatement.Statement
                        && doStatement.Statement.DescendantNodes().Any(n => n is ContinueStatementSyntax or BreakStatementSyntax or GotoStatementSyntax),
                    SwitchStatementSyntax switchStatement => child != switchStatement.Expression,
                    SwitchExpressionSyntax switchExpression => child != switchExpression.GoverningExpression,
                    TryStatementSyntax tryStatement => child is CatchClauseSyntax || (child == tryStatement.Block && tryStatement.Catches.Count > 0),
                    CatchClauseSyntax or CatchFilterClauseSyntax => true,
                    IsPatternExpressionSyntax isPattern => child != isPattern.Expression,
                    _ => false,
                };
                if (conditional)
                {
                    return false;
                }
            }

            return child == statement;
        }

        private bool Matches(TaskKey? candidate, List<TaskKey> keys, int position)
        {
            if (candidate is not { } key || !keys.Contains(key))
            {
                return false;
            }

            // The fact is void if the variable may name another task by the time of the read.
            return !HasMutation(key.Symbol, m => m.InNestedFunction
                ? m.Kind is Mutation.Reassign || (key.IsElement && m.Kind is Mutation.ElementSet or Mutation.Add)
                : m.Position > position && (m.Kind is Mutation.Reassign || (key.IsElement && m.Kind is Mutation.ElementSet or Mutation.Add)));
        }

        private TaskKey? KeyOf(IOperation? operation)
        {
            operation = Unwrap(operation, forAwait: false);
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

        private IOperation? GetOperation(SyntaxNode node)
        {
            var operation = model.GetOperation(node, cancellationToken);
            while (operation is not null && operation.Syntax != node && operation.Parent?.Syntax == node)
            {
                operation = operation.Parent;
            }

            return operation;
        }

        private bool HasMutation(ISymbol symbol, Func<(int Position, Mutation Kind, bool InNestedFunction), bool> predicate)
        {
            if (!mutations.TryGetValue(symbol, out var list))
            {
                list = FindMutations(symbol);
                mutations[symbol] = list;
            }

            foreach (var mutation in list)
            {
                if (predicate(mutation))
                {
                    return true;
                }
            }

            return false;
        }

        private List<(int Position, Mutation Kind, bool InNestedFunction)> FindMutations(ISymbol symbol)
        {
            var list = new List<(int, Mutation, bool)>();
            foreach (var identifier in function.DescendantNodes().OfType<IdentifierNameSyntax>())
            {
                if (identifier.Identifier.ValueText != symbol.Name)
                {
                    continue;
                }

                var kind = MutationKind(identifier);
                if (kind == Mutation.None
                    || !SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(identifier, cancellationToken).Symbol, symbol))
                {
                    continue;
                }

                var nested = AsyncContext.EnclosingFunction(identifier) != function;
                list.Add((identifier.SpanStart, kind, nested));
            }

            return list;
        }

        private static Mutation MutationKind(IdentifierNameSyntax identifier)
        {
            SyntaxNode expression = identifier;
            if (expression.Parent is MemberAccessExpressionSyntax qualified && qualified.Name == expression)
            {
                expression = qualified;
            }

            while (expression.Parent is ParenthesizedExpressionSyntax
                || expression.Parent is ArgumentSyntax { Parent: TupleExpressionSyntax, RefKindKeyword.RawKind: (int)SyntaxKind.None })
            {
                expression = expression.Parent is ArgumentSyntax argument ? argument.Parent! : expression.Parent;
            }

            switch (expression.Parent)
            {
                case AssignmentExpressionSyntax assignment when assignment.Left == expression:
                case ArgumentSyntax argument when argument.RefKindKeyword.IsKind(SyntaxKind.RefKeyword) || argument.RefKindKeyword.IsKind(SyntaxKind.OutKeyword):
                case RefExpressionSyntax:
                case PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PreIncrementExpression or (int)SyntaxKind.PreDecrementExpression }:
                case PostfixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PostIncrementExpression or (int)SyntaxKind.PostDecrementExpression }:
                    return Mutation.Reassign;
                case ElementAccessExpressionSyntax access when access.Expression == expression
                    && access.Parent is AssignmentExpressionSyntax elementAssignment && elementAssignment.Left == access:
                    return Mutation.ElementSet;
                case MemberAccessExpressionSyntax member when member.Expression == expression && member.Parent is InvocationExpressionSyntax:
                    var name = member.Name.Identifier.ValueText;
                    return AddMethods.Contains(name) ? Mutation.Add : RemoveMethods.Contains(name) ? Mutation.Remove : Mutation.None;
                default:
                    return Mutation.None;
            }
        }
    }
}

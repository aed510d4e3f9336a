using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace TailGuard.Analyzers;

/// <summary>How many times a loop can run, as far as the syntax and symbols tell.</summary>
public enum LoopBoundKind
{
    /// <summary>A compile-time constant number of iterations (a canonical <c>for</c>, <c>foreach</c> over a constant-size collection).</summary>
    Constant,

    /// <summary>Ends when data runs out: a collection, a non-constant range, a condition or exit that the body drives.</summary>
    NonConstant,

    /// <summary>Nothing the loop does brings it to an end: <c>while (true)</c> with no driven exit, <c>while (running)</c>, ...</summary>
    Unbounded,
}

public readonly struct LoopBound
{
    public LoopBound(LoopBoundKind kind, double count = 0, string? reason = null)
    {
        Kind = kind;
        Count = count;
        Reason = reason;
    }

    public LoopBoundKind Kind { get; }

    /// <summary>Iterations, for <see cref="LoopBoundKind.Constant"/>.</summary>
    public double Count { get; }

    /// <summary>Why the loop is unbounded, for <see cref="LoopBoundKind.Unbounded"/>.</summary>
    public string? Reason { get; }
}

/// <summary>
/// Classifies a loop's bound. The central question is whether the loop body "drives the loop to an end":
/// <list type="bullet">
/// <item>the condition (or the guard of an exit) reads a variable, field or property that the loop writes (assignment,
/// <c>++</c>/<c>--</c>, <c>ref</c>/<c>out</c> argument, a local declared inside the loop), or an object on which the loop
/// calls a possibly mutating method or which it passes to a method (reference types; non-readonly structs);</item>
/// <item>or the condition/guard calls a method (<c>reader.Read()</c>, <c>queue.TryDequeue(out x)</c>): a call can make progress.
/// <c>Volatile.Read</c> and <c>Interlocked.Read</c> are plain reads, not calls that make progress;</item>
/// <item>exits are <c>break</c> (of this loop), <c>return</c>, <c>throw</c>, <c>yield break</c> and <c>goto</c> in the body. An exit with
/// no enclosing <c>if</c>/<c>switch</c> in the loop is unconditional and bounds the loop; one inside a <c>catch</c> is driven by the
/// exceptions the work throws, except a <c>catch (OperationCanceledException)</c>.</item>
/// </list>
/// Property reads of objects the loop does not touch (<c>ct.IsCancellationRequested</c>, <c>stopwatch.Elapsed</c>) and fields
/// the loop does not write (<c>running</c>) do not drive the loop: only cancellation, another thread or the clock ends it.
/// </summary>
public sealed class LoopBounds
{
    private readonly SemanticModel _model;
    private readonly CancellationToken _cancellationToken;

    public LoopBounds(SemanticModel model, CancellationToken cancellationToken)
    {
        _model = model;
        _cancellationToken = cancellationToken;
    }

    public LoopBound Classify(StatementSyntax loop)
    {
        switch (loop)
        {
            case CommonForEachStatementSyntax forEach:
                return ConstantCollectionCount(forEach.Expression) is { } size
                    ? new LoopBound(LoopBoundKind.Constant, size)
                    : new LoopBound(LoopBoundKind.NonConstant);

            case ForStatementSyntax forLoop when ConstantForCount(forLoop) is { } count:
                return new LoopBound(LoopBoundKind.Constant, count);

            default:
                return ClassifyConditional(loop);
        }
    }

    private LoopBound ClassifyConditional(StatementSyntax loop)
    {
        var condition = LoopSyntax.Condition(loop);
        var constant = condition is null ? true : _model.GetConstantValue(condition, _cancellationToken) is { HasValue: true, Value: bool b } ? b : (bool?)null;
        if (constant == false)
        {
            return new LoopBound(LoopBoundKind.Constant, loop is DoStatementSyntax ? 1 : 0);
        }

        var writes = new LoopWrites(_model, loop, _cancellationToken);
        if (constant is null && writes.Drives(condition!))
        {
            return new LoopBound(LoopBoundKind.NonConstant);
        }

        if (HasDrivenExit(loop, writes))
        {
            return new LoopBound(LoopBoundKind.NonConstant);
        }

        var reason = constant is null
            ? "nothing in the loop changes its condition '" + Shorten(condition!.ToString()) + "'"
            : "'" + Header(loop) + "' has no exit that the loop drives";
        return new LoopBound(LoopBoundKind.Unbounded, reason: reason);
    }

    private bool HasDrivenExit(StatementSyntax loop, LoopWrites writes)
    {
        var body = LoopSyntax.Body(loop);
        if (body is null)
        {
            return false;
        }

        foreach (var node in LoopSyntax.DescendantsInSameFunction(body).Prepend(body))
        {
            if (!IsExitOf(node, loop))
            {
                continue;
            }

            var guarded = false;
            for (var current = node; current != loop && current.Parent is { } parent; current = parent)
            {
                switch (parent)
                {
                    case IfStatementSyntax ifStatement when current != ifStatement.Condition:
                        guarded = true;
                        if (writes.Drives(ifStatement.Condition))
                        {
                            return true;
                        }

                        break;
                    case SwitchSectionSyntax section when section.Parent is SwitchStatementSyntax switchStatement:
                        guarded = true;
                        if (writes.Drives(switchStatement.Expression))
                        {
                            return true;
                        }

                        break;
                    case CatchClauseSyntax catchClause:
                        guarded = true;
                        if (!IsCancellationCatch(catchClause))
                        {
                            return true;
                        }

                        break;
                }
            }

            if (!guarded)
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsExitOf(SyntaxNode node, StatementSyntax loop)
    {
        switch (node)
        {
            case ReturnStatementSyntax or ThrowStatementSyntax or GotoStatementSyntax { RawKind: (int)SyntaxKind.GotoStatement }:
            case YieldStatementSyntax { RawKind: (int)SyntaxKind.YieldBreakStatement }:
                return true;
            case BreakStatementSyntax:
                for (var current = node.Parent; current is not null; current = current.Parent)
                {
                    if (current == loop)
                    {
                        return true;
                    }

                    if (LoopSyntax.IsLoop(current) || current is SwitchStatementSyntax)
                    {
                        return false;
                    }
                }

                return false;
            default:
                return false;
        }
    }

    private bool IsCancellationCatch(CatchClauseSyntax catchClause)
    {
        if (catchClause.Declaration is null)
        {
            return false;
        }

        var type = _model.GetTypeInfo(catchClause.Declaration.Type, _cancellationToken).Type;
        return type?.Name is "OperationCanceledException" or "TaskCanceledException";
    }

    private double? ConstantForCount(ForStatementSyntax forLoop)
    {
        if (forLoop.Condition is not BinaryExpressionSyntax condition || forLoop.Incrementors.Count != 1)
        {
            return null;
        }

        ISymbol? variable;
        double start;
        if (forLoop.Declaration is { Variables.Count: 1 } declaration && forLoop.Initializers.Count == 0)
        {
            var declarator = declaration.Variables[0];
            variable = _model.GetDeclaredSymbol(declarator, _cancellationToken);
            if (declarator.Initializer is null || Constant(declarator.Initializer.Value) is not { } value)
            {
                return null;
            }

            start = value;
        }
        else if (forLoop.Declaration is null && forLoop.Initializers.Count == 1
            && forLoop.Initializers[0] is AssignmentExpressionSyntax { RawKind: (int)SyntaxKind.SimpleAssignmentExpression } assignment
            && Constant(assignment.Right) is { } initial)
        {
            variable = _model.GetSymbolInfo(assignment.Left, _cancellationToken).Symbol;
            start = initial;
        }
        else
        {
            return null;
        }

        if (variable is null || Step(forLoop.Incrementors[0], variable) is not { } step || step == 0)
        {
            return null;
        }

        var kind = condition.Kind();
        double end;
        if (IsVariable(condition.Left, variable) && Constant(condition.Right) is { } right)
        {
            end = right;
        }
        else if (IsVariable(condition.Right, variable) && Constant(condition.Left) is { } left)
        {
            end = left;
            kind = kind switch
            {
                SyntaxKind.LessThanExpression => SyntaxKind.GreaterThanExpression,
                SyntaxKind.LessThanOrEqualExpression => SyntaxKind.GreaterThanOrEqualExpression,
                SyntaxKind.GreaterThanExpression => SyntaxKind.LessThanExpression,
                SyntaxKind.GreaterThanOrEqualExpression => SyntaxKind.LessThanOrEqualExpression,
                _ => kind,
            };
        }
        else
        {
            return null;
        }

        // The body must not move the variable itself, or the count is not what the header says.
        if (forLoop.Statement is { } body && new LoopWrites(_model, body, _cancellationToken).Writes(variable))
        {
            return null;
        }

        var distance = end - start;
        return kind switch
        {
            SyntaxKind.LessThanExpression when step > 0 => Math.Max(0, Math.Ceiling(distance / step)),
            SyntaxKind.LessThanOrEqualExpression when step > 0 => Math.Max(0, Math.Floor(distance / step) + 1),
            SyntaxKind.GreaterThanExpression when step < 0 => Math.Max(0, Math.Ceiling(distance / step)),
            SyntaxKind.GreaterThanOrEqualExpression when step < 0 => Math.Max(0, Math.Floor(distance / step) + 1),
            SyntaxKind.NotEqualsExpression when distance / step >= 0 && Math.Abs(distance % step) < double.Epsilon => distance / step,
            _ => null,
        };
    }

    private double? Step(ExpressionSyntax incrementor, ISymbol variable)
    {
        switch (incrementor)
        {
            case PostfixUnaryExpressionSyntax postfix when IsVariable(postfix.Operand, variable):
                return postfix.IsKind(SyntaxKind.PostIncrementExpression) ? 1 : postfix.IsKind(SyntaxKind.PostDecrementExpression) ? -1 : null;
            case PrefixUnaryExpressionSyntax prefix when IsVariable(prefix.Operand, variable):
                return prefix.IsKind(SyntaxKind.PreIncrementExpression) ? 1 : prefix.IsKind(SyntaxKind.PreDecrementExpression) ? -1 : null;
            case AssignmentExpressionSyntax assignment when IsVariable(assignment.Left, variable) && Constant(assignment.Right) is { } amount:
                return assignment.Kind() switch
                {
                    SyntaxKind.AddAssignmentExpression => amount,
                    SyntaxKind.SubtractAssignmentExpression => -amount,
                    _ => null,
                };
            default:
                return null;
        }
    }

    private bool IsVariable(ExpressionSyntax expression, ISymbol variable)
        => expression is IdentifierNameSyntax
            && SymbolEqualityComparer.Default.Equals(_model.GetSymbolInfo(expression, _cancellationToken).Symbol, variable);

    private double? Constant(ExpressionSyntax expression)
    {
        var value = _model.GetConstantValue(expression, _cancellationToken);
        return value.HasValue && value.Value is not (null or bool or string) && value.Value is IConvertible convertible
            ? convertible.ToDouble(System.Globalization.CultureInfo.InvariantCulture)
            : null;
    }

    /// <summary>Element count of a collection whose size the compiler knows: array creations, collection expressions, string literals, <c>Enumerable.Range</c>/<c>Repeat</c>.</summary>
    public double? ConstantCollectionCount(ExpressionSyntax expression)
    {
        switch (expression)
        {
            case ParenthesizedExpressionSyntax parenthesized:
                return ConstantCollectionCount(parenthesized.Expression);
            case ArrayCreationExpressionSyntax arrayCreation:
                if (arrayCreation.Initializer is { } initializer)
                {
                    return initializer.Expressions.Count;
                }

                double product = 1;
                foreach (var size in arrayCreation.Type.RankSpecifiers.FirstOrDefault()?.Sizes ?? default)
                {
                    if (Constant(size) is not { } dimension)
                    {
                        return null;
                    }

                    product *= dimension;
                }

                return product;
            case ImplicitArrayCreationExpressionSyntax implicitArray:
                return implicitArray.Initializer.Expressions.Count;
            case CollectionExpressionSyntax collection:
                return collection.Elements.All(e => e is ExpressionElementSyntax) ? collection.Elements.Count : null;
            case LiteralExpressionSyntax { RawKind: (int)SyntaxKind.StringLiteralExpression } literal:
                return literal.Token.ValueText.Length;
            case InvocationExpressionSyntax { ArgumentList.Arguments.Count: 2 } invocation
                when _model.GetSymbolInfo(invocation, _cancellationToken).Symbol is IMethodSymbol { Name: "Range" or "Repeat" } method
                    && method.ContainingType?.ToDisplayString() == "System.Linq.Enumerable":
                return Constant(invocation.ArgumentList.Arguments[1].Expression);
            default:
                return null;
        }
    }

    private static string Header(StatementSyntax loop) => loop switch
    {
        WhileStatementSyntax whileLoop => "while (" + whileLoop.Condition + ")",
        DoStatementSyntax doLoop => "do ... while (" + doLoop.Condition + ")",
        ForStatementSyntax forLoop => "for (" + forLoop.Declaration + forLoop.Initializers + ";"
            + (forLoop.Condition is null ? string.Empty : " " + forLoop.Condition) + ";"
            + (forLoop.Incrementors.Count == 0 ? string.Empty : " " + forLoop.Incrementors) + ")",
        _ => loop.GetFirstToken().ValueText,
    };

    private static string Shorten(string text)
    {
        text = string.Join(" ", text.Split(new[] { ' ', '\r', '\n', '\t' }, StringSplitOptions.RemoveEmptyEntries));
        return text.Length <= 60 ? text : text.Substring(0, 57) + "...";
    }
}

/// <summary>
/// What a loop (condition, body, incrementors) changes: written variables, fields and properties, locals it declares, and
/// objects it calls possibly mutating methods on or passes to methods. <see cref="Drives"/> asks whether an expression
/// depends on any of that, or makes progress itself by calling a method.
/// </summary>
internal sealed class LoopWrites
{
    private readonly SemanticModel _model;
    private readonly CancellationToken _cancellationToken;
    private readonly HashSet<ISymbol> _changed = new(SymbolEqualityComparer.Default);

    public LoopWrites(SemanticModel model, SyntaxNode scope, CancellationToken cancellationToken)
    {
        _model = model;
        _cancellationToken = cancellationToken;
        foreach (var node in LoopSyntax.DescendantsInSameFunction(scope))
        {
            Collect(node);
        }
    }

    public bool Writes(ISymbol symbol) => _changed.Contains(symbol) || _changed.Contains(symbol.OriginalDefinition);

    /// <summary>True when <paramref name="expression"/> can change from one iteration to the next because of the loop itself.</summary>
    public bool Drives(ExpressionSyntax expression)
    {
        foreach (var node in LoopSyntax.DescendantsInSameFunction(expression).Prepend(expression))
        {
            switch (node)
            {
                case InvocationExpressionSyntax invocation:
                    if (_model.GetSymbolInfo(invocation, _cancellationToken).Symbol is not IMethodSymbol method || !IsPlainRead(method))
                    {
                        return true; // a call can make progress (and half-typed code must not be reported)
                    }

                    break;
                case AwaitExpressionSyntax or ObjectCreationExpressionSyntax:
                    return true;
                case IdentifierNameSyntax identifier:
                    var symbol = _model.GetSymbolInfo(identifier, _cancellationToken).Symbol;
                    if (symbol is null || Writes(symbol))
                    {
                        return true; // unresolved names (half-typed code) count as driven: never report what we cannot bind
                    }

                    break;
            }
        }

        return false;
    }

    /// <summary><c>Volatile.Read</c> and <c>Interlocked.Read</c>: they read shared state, they do not advance anything.</summary>
    public static bool IsPlainRead(IMethodSymbol method)
    {
        var type = method.ContainingType;
        if (type?.ContainingNamespace?.ToDisplayString() != "System.Threading")
        {
            return false;
        }

        return (type.Name == "Volatile" && method.Name == "Read") || (type.Name == "Interlocked" && method.Name == "Read");
    }

    private void Collect(SyntaxNode node)
    {
        switch (node)
        {
            case AssignmentExpressionSyntax assignment:
                AddTarget(assignment.Left);
                break;
            case PrefixUnaryExpressionSyntax prefix when prefix.IsKind(SyntaxKind.PreIncrementExpression) || prefix.IsKind(SyntaxKind.PreDecrementExpression):
                AddTarget(prefix.Operand);
                break;
            case PostfixUnaryExpressionSyntax postfix when postfix.IsKind(SyntaxKind.PostIncrementExpression) || postfix.IsKind(SyntaxKind.PostDecrementExpression):
                AddTarget(postfix.Operand);
                break;
            case VariableDeclaratorSyntax or SingleVariableDesignationSyntax or CommonForEachStatementSyntax or CatchDeclarationSyntax:
                Add(_model.GetDeclaredSymbol(node, _cancellationToken));
                break;
            case InvocationExpressionSyntax invocation:
                CollectInvocation(invocation);
                break;
        }
    }

    private void CollectInvocation(InvocationExpressionSyntax invocation)
    {
        var method = _model.GetSymbolInfo(invocation, _cancellationToken).Symbol as IMethodSymbol;
        if (method is not null && IsPlainRead(method))
        {
            return; // its ref argument is read, not written
        }

        if (invocation.Expression is MemberAccessExpressionSyntax memberAccess && MayMutateReceiver(memberAccess.Expression, method))
        {
            AddTarget(memberAccess.Expression);
        }

        foreach (var argument in invocation.ArgumentList.Arguments)
        {
            if (argument.RefKindKeyword.IsKind(SyntaxKind.RefKeyword) || argument.RefKindKeyword.IsKind(SyntaxKind.OutKeyword))
            {
                AddTarget(argument.Expression);
            }
            else if (argument.RefKindKeyword.IsKind(SyntaxKind.None)
                && _model.GetTypeInfo(argument.Expression, _cancellationToken).Type is { IsReferenceType: true })
            {
                AddTarget(argument.Expression);
            }
        }
    }

    private bool MayMutateReceiver(ExpressionSyntax receiver, IMethodSymbol? method)
    {
        if (method is { IsStatic: true, IsExtensionMethod: false })
        {
            return false; // a type name
        }

        var type = _model.GetTypeInfo(receiver, _cancellationToken).Type;
        if (type is null || type.IsReferenceType || type.TypeKind == TypeKind.TypeParameter)
        {
            return true;
        }

        // A readonly struct (CancellationToken) or a readonly member cannot change the receiver.
        return !type.IsReadOnly && method is not { IsReadOnly: true };
    }

    private void AddTarget(ExpressionSyntax target)
    {
        switch (target)
        {
            case IdentifierNameSyntax:
                Add(_model.GetSymbolInfo(target, _cancellationToken).Symbol);
                break;
            case MemberAccessExpressionSyntax memberAccess:
                Add(_model.GetSymbolInfo(memberAccess.Name, _cancellationToken).Symbol);
                AddTarget(memberAccess.Expression);
                break;
            case ElementAccessExpressionSyntax elementAccess:
                AddTarget(elementAccess.Expression);
                break;
            case ParenthesizedExpressionSyntax parenthesized:
                AddTarget(parenthesized.Expression);
                break;
            case PostfixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.SuppressNullableWarningExpression } suppressed:
                AddTarget(suppressed.Operand);
                break;
            case PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PointerIndirectionExpression } indirection:
                AddTarget(indirection.Operand);
                break;
            case TupleExpressionSyntax tuple:
                foreach (var argument in tuple.Arguments)
                {
                    AddTarget(argument.Expression);
                }

                break;
            case DeclarationExpressionSyntax declaration:
                foreach (var designation in declaration.Designation.DescendantNodesAndSelf().OfType<SingleVariableDesignationSyntax>())
                {
                    Add(_model.GetDeclaredSymbol(designation, _cancellationToken));
                }

                break;
        }
    }

    private void Add(ISymbol? symbol)
    {
        if (symbol is not null)
        {
            _changed.Add(symbol);
            _changed.Add(symbol.OriginalDefinition);
        }
    }
}

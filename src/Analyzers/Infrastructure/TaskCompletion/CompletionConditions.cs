using System;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace TailGuard.Analyzers;

/// <summary>
/// When a condition's outcome implies that a task has completed: <c>IsCompleted</c>, <c>IsCompletedSuccessfully</c>,
/// <c>IsFaulted</c>, <c>IsCanceled</c>, a final <c>Status</c>, a bool-returning <c>Wait(timeout)</c>/<c>WaitAll(timeout)</c>,
/// <c>await Task.WhenAny(..., t, ...) == t</c>; through <c>!</c>, <c>&amp;&amp;</c>, <c>||</c>, <c>== true/false</c> and patterns.
/// </summary>
internal static class CompletionConditions
{
    private static readonly string[] CompletionProperties = { "IsCompleted", "IsCompletedSuccessfully", "IsFaulted", "IsCanceled" };

    /// <summary>As the general overload, with the fact taken where the condition starts.</summary>
    public static bool Holds(TaskVariables variables, SyntaxNode condition, bool whenTrue, List<TaskKey> keys)
        => Holds(variables, variables.GetOperation(condition), whenTrue, keys, condition.SpanStart);

    public static bool Holds(TaskVariables variables, ExpressionSyntax condition, bool whenTrue, List<TaskKey> keys, int position)
        => Holds(variables, variables.GetOperation(condition), whenTrue, keys, position);

    /// <summary>True when <paramref name="condition"/> evaluating to <paramref name="whenTrue"/> implies a task in <paramref name="keys"/> is complete.</summary>
    public static bool Holds(TaskVariables variables, IOperation? condition, bool whenTrue, List<TaskKey> keys, int position)
    {
        switch (condition)
        {
            case IConversionOperation conversion:
                return Holds(variables, conversion.Operand, whenTrue, keys, position);
            case IParenthesizedOperation parenthesized:
                return Holds(variables, parenthesized.Operand, whenTrue, keys, position);
            case IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } not:
                return Holds(variables, not.Operand, !whenTrue, keys, position);
            case IBinaryOperation binary:
                return BinaryHolds(variables, binary, whenTrue, keys, position);
            case IPropertyReferenceOperation property when Array.IndexOf(CompletionProperties, property.Property.Name) >= 0
                && property.Property.Type.SpecialType == SpecialType.System_Boolean:
                return whenTrue && variables.Matches(variables.KeyOf(AwaitableChain.Unwrap(property.Instance, forAwait: false)), keys, position);
            case IInvocationOperation invocation when whenTrue && invocation.TargetMethod.ReturnType.SpecialType == SpecialType.System_Boolean:
            {
                var method = invocation.TargetMethod;
                if (method.Name == "Wait" && !method.IsStatic && WellKnownTypes.DerivesFrom(method.ContainingType, variables.Types.Task))
                {
                    return variables.Matches(variables.KeyOf(invocation.Instance), keys, position);
                }

                return method.Name == "WaitAll" && method.IsStatic && WellKnownTypes.Is(method.ContainingType, variables.Types.Task)
                    && TaskCollections.ArgumentsContain(variables, invocation, keys, position);
            }

            case IIsPatternOperation isPattern:
                return PatternHolds(variables, isPattern.Value, isPattern.Pattern, whenTrue, keys, position);
            default:
                return false;
        }
    }

    private static bool BinaryHolds(TaskVariables variables, IBinaryOperation binary, bool whenTrue, List<TaskKey> keys, int position)
    {
        switch (binary.OperatorKind)
        {
            case BinaryOperatorKind.ConditionalAnd:
                return whenTrue
                    ? Holds(variables, binary.LeftOperand, true, keys, position) || Holds(variables, binary.RightOperand, true, keys, position)
                    : Holds(variables, binary.LeftOperand, false, keys, position) && Holds(variables, binary.RightOperand, false, keys, position);
            case BinaryOperatorKind.ConditionalOr:
                return whenTrue
                    ? Holds(variables, binary.LeftOperand, true, keys, position) && Holds(variables, binary.RightOperand, true, keys, position)
                    : Holds(variables, binary.LeftOperand, false, keys, position) || Holds(variables, binary.RightOperand, false, keys, position);
            case BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals:
            {
                var equalWhen = binary.OperatorKind == BinaryOperatorKind.Equals ? whenTrue : !whenTrue;
                var (subject, constant) = binary.RightOperand.ConstantValue.HasValue
                    ? (binary.LeftOperand, binary.RightOperand)
                    : (binary.RightOperand, binary.LeftOperand);
                if (!constant.ConstantValue.HasValue)
                {
                    // await Task.WhenAny(t, timeout) == t: the completed winner is t.
                    return equalWhen
                        && ((CompletedTaskValues.IsWhenAnyResult(variables, binary.LeftOperand) && variables.Matches(variables.KeyOf(binary.RightOperand), keys, position))
                            || (CompletedTaskValues.IsWhenAnyResult(variables, binary.RightOperand) && variables.Matches(variables.KeyOf(binary.LeftOperand), keys, position)));
                }

                if (constant.ConstantValue.Value is bool expected)
                {
                    // t.IsCompleted == true, t.IsCompleted != false, ...
                    return Holds(variables, subject, equalWhen == expected, keys, position);
                }

                return equalWhen && IsCompletedStatus(variables, subject, constant, keys, position);
            }

            default:
                return false;
        }
    }

    private static bool PatternHolds(TaskVariables variables, IOperation value, IPatternOperation pattern, bool whenTrue, List<TaskKey> keys, int position)
    {
        switch (pattern)
        {
            case INegatedPatternOperation negated:
                return PatternHolds(variables, value, negated.Pattern, !whenTrue, keys, position);
            case IConstantPatternOperation constant when constant.Value.ConstantValue is { HasValue: true, Value: bool expected }:
                return Holds(variables, value, whenTrue == expected, keys, position);
            case IConstantPatternOperation constant:
                return whenTrue && IsCompletedStatus(variables, value, constant.Value, keys, position);
            case IRecursivePatternOperation recursive when whenTrue:
                foreach (var sub in recursive.PropertySubpatterns)
                {
                    if (sub.Member is IPropertyReferenceOperation { Property: { } member }
                        && sub.Pattern is IConstantPatternOperation { Value.ConstantValue: { HasValue: true, Value: true } }
                        && Array.IndexOf(CompletionProperties, member.Name) >= 0
                        && (variables.Matches(variables.KeyOf(AwaitableChain.Unwrap(value, forAwait: false)), keys, position)
                            || (recursive.DeclaredSymbol is ILocalSymbol designated && variables.Matches(new TaskKey(designated, isElement: false), keys, position))))
                    {
                        return true;
                    }
                }

                return false;
            default:
                return false;
        }
    }

    /// <summary>True when <paramref name="subject"/> is <c>t.Status</c> of a task in <paramref name="keys"/> and <paramref name="constant"/> a final status.</summary>
    public static bool IsFinalStatus(TaskVariables variables, IOperation subject, IOperation constant, List<TaskKey> keys, int position)
        => IsCompletedStatus(variables, subject, constant, keys, position);

    /// <summary><c>t.Status == TaskStatus.RanToCompletion</c> (or Faulted, Canceled): all final states.</summary>
    private static bool IsCompletedStatus(TaskVariables variables, IOperation subject, IOperation constant, List<TaskKey> keys, int position)
    {
        if (AwaitableChain.Unwrap(subject, forAwait: false) is not IPropertyReferenceOperation { Property.Name: "Status" } status
            || !WellKnownTypes.Is(status.Type, variables.Types.TaskStatus)
            || constant.ConstantValue.Value is not { } raw)
        {
            return false;
        }

        // TaskStatus: RanToCompletion = 5, Canceled = 6, Faulted = 7.
        var value = Convert.ToInt32(raw, System.Globalization.CultureInfo.InvariantCulture);
        return value is >= 5 and <= 7 && variables.Matches(variables.KeyOf(status.Instance), keys, position);
    }
}

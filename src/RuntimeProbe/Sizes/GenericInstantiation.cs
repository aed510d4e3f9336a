using System.Reflection;

namespace TailGuard.RuntimeProbe.Sizes;

/// <summary>
/// Closes an open generic state machine so the runtime can lay it out. Reference-type arguments come first (<c>object</c>,
/// then <c>string</c>, then the constraint types themselves): every reference-type instantiation shares one layout, so
/// that size holds for all of them. A <c>struct</c> constraint gets <c>long</c>, <c>int</c>, <c>Guid</c>; other
/// constraints may need a type of the inspected assembly that satisfies them. The runtime checks the constraints
/// (<see cref="Type.MakeGenericType"/>), so whatever closes is a legal instantiation.
/// </summary>
internal static class GenericInstantiation
{
    private const int MaxAttempts = 512;
    private const int MaxAssemblyCandidates = 4;

    public static bool TryClose(Type open, IReadOnlyList<Type> assemblyTypes, out Type closed, out string description)
    {
        var parameters = open.GetGenericArguments();
        var candidates = parameters.Select(p => Candidates(p, assemblyTypes).Distinct().ToArray()).ToArray();
        closed = open;
        description = "";
        if (candidates.Any(c => c.Length == 0))
        {
            return false;
        }

        var choice = new int[parameters.Length];
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var arguments = choice.Select((c, i) => candidates[i][c]).ToArray();
            try
            {
                closed = open.MakeGenericType(arguments);
                description = string.Join(", ", parameters.Select((p, i) => p.Name + "=" + CompilerNames.TypeName(arguments[i])));
                return true;
            }
            catch (ArgumentException)
            {
                // A constraint is not satisfied: next combination.
            }

            if (!Next(choice, candidates))
            {
                break;
            }
        }

        return false;
    }

    private static bool Next(int[] choice, Type[][] candidates)
    {
        for (var i = choice.Length - 1; i >= 0; i--)
        {
            if (++choice[i] < candidates[i].Length)
            {
                return true;
            }

            choice[i] = 0;
        }

        return false;
    }

    private static IEnumerable<Type> Candidates(Type parameter, IReadOnlyList<Type> assemblyTypes)
    {
        var attributes = parameter.GenericParameterAttributes;
        var valueType = attributes.HasFlag(GenericParameterAttributes.NotNullableValueTypeConstraint);
        var referenceType = attributes.HasFlag(GenericParameterAttributes.ReferenceTypeConstraint);
        var constraints = parameter.GetGenericParameterConstraints().Where(c => !c.ContainsGenericParameters).ToArray();
        if (!valueType)
        {
            yield return typeof(object);
            yield return typeof(string);
            foreach (var constraint in constraints.Where(c => !c.IsValueType && c != typeof(ValueType)))
            {
                yield return constraint;
            }
        }

        if (!referenceType)
        {
            yield return typeof(long);
            yield return typeof(int);
            yield return typeof(Guid);
        }

        if (constraints.Length > 0)
        {
            foreach (var type in assemblyTypes
                .Where(t => !t.ContainsGenericParameters && !t.IsAbstract && !t.IsByRefLike
                    && (!valueType || t.IsValueType) && (!referenceType || !t.IsValueType)
                    && constraints.All(c => c.IsAssignableFrom(t)))
                .Take(MaxAssemblyCandidates))
            {
                yield return type;
            }
        }
    }
}

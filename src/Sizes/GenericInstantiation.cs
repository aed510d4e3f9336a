using System.Reflection;

namespace TailGuard.Sizes;

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
        var candidates = parameters.Select(p => Candidates(p, assemblyTypes).ToList()).ToArray();
        AddInferredCandidates(parameters, candidates);
        var distinct = candidates.Select(c => c.Distinct().ToArray()).ToArray();
        closed = open;
        description = "";
        if (distinct.Any(c => c.Length == 0))
        {
            return false;
        }

        var choice = new int[parameters.Length];
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var arguments = choice.Select((c, i) => distinct[i][c]).ToArray();
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

            if (!Next(choice, distinct))
            {
                break;
            }
        }

        return false;
    }

    // Constraints that mention other type parameters (`where TState : IState<TState, TSource>`,
    // `where TEnumerable : IAsyncEnumerable<TElement>`): the constraint itself closed with the first candidates, and, for a
    // type of the assembly that implements the constraint's generic interface, the type arguments it implements it with
    // (so TSource gets the TSource that TState's implementation needs).
    private static void AddInferredCandidates(Type[] parameters, List<Type>[] candidates)
    {
        var first = candidates.Select(c => c.Count > 0 ? c[0] : typeof(object)).ToArray();
        for (var i = 0; i < parameters.Length; i++)
        {
            var attributes = parameters[i].GenericParameterAttributes;
            foreach (var constraint in parameters[i].GetGenericParameterConstraints().Where(c => c.ContainsGenericParameters && c.IsGenericType))
            {
                if (!attributes.HasFlag(GenericParameterAttributes.NotNullableValueTypeConstraint) && !attributes.HasFlag(GenericParameterAttributes.DefaultConstructorConstraint))
                {
                    try
                    {
                        candidates[i].Add(Substitute(constraint, parameters, first));
                    }
                    catch (ArgumentException)
                    {
                        // The substituted constraint violates its own constraints.
                    }
                }

                var definition = constraint.GetGenericTypeDefinition();
                var arguments = constraint.GetGenericArguments();
                foreach (var candidate in candidates[i].ToList())
                {
                    foreach (var implemented in Implemented(candidate).Where(t => t.IsGenericType && t.GetGenericTypeDefinition() == definition))
                    {
                        var actual = implemented.GetGenericArguments();
                        for (var k = 0; k < arguments.Length; k++)
                        {
                            if (arguments[k].IsGenericParameter && Array.IndexOf(parameters, arguments[k]) is var j and >= 0 && j != i)
                            {
                                candidates[j].Add(actual[k]);
                            }
                        }
                    }
                }
            }
        }
    }

    private static Type Substitute(Type type, Type[] parameters, Type[] arguments)
    {
        if (type.IsGenericParameter)
        {
            var index = Array.IndexOf(parameters, type);
            return index >= 0 ? arguments[index] : typeof(object);
        }

        return type.IsGenericType && type.ContainsGenericParameters
            ? type.GetGenericTypeDefinition().MakeGenericType(type.GetGenericArguments().Select(a => Substitute(a, parameters, arguments)).ToArray())
            : type;
    }

    private static IEnumerable<Type> Implemented(Type type)
    {
        foreach (var i in type.GetInterfaces())
        {
            yield return i;
        }

        for (var t = type; t is not null; t = t.BaseType)
        {
            yield return t;
        }
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

    // A closed constraint must be assignable; one that mentions type parameters must at least be implemented with the same
    // generic definition (MakeGenericType then checks the arguments).
    private static bool Satisfies(Type type, Type constraint)
        => !constraint.ContainsGenericParameters
            ? constraint.IsAssignableFrom(type)
            : constraint.IsGenericType && Implemented(type).Any(t => t.IsGenericType && t.GetGenericTypeDefinition() == constraint.GetGenericTypeDefinition());

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

        var all = parameter.GetGenericParameterConstraints();
        if (all.Length > 0)
        {
            foreach (var type in assemblyTypes
                .Where(t => !t.ContainsGenericParameters && !t.IsAbstract && !t.IsByRefLike && !t.IsInterface
                    && (!valueType || t.IsValueType) && (!referenceType || !t.IsValueType)
                    && all.All(c => Satisfies(t, c)))
                .Take(MaxAssemblyCandidates))
            {
                yield return type;
            }
        }
    }
}

using System;

namespace TailGuard.Analyzers.StateMachines;

/// <summary>
/// A set of <see cref="FlowVariables"/> ids: the liveness solver's state ("assigned since the last await"). A bit set, because
/// the solver copies and intersects one state per block per round, and the ids are dense and few.
/// </summary>
internal sealed class VariableSet
{
    private readonly ulong[] words;

    public VariableSet(int count) => words = new ulong[(count + 63) / 64];

    private VariableSet(ulong[] words) => this.words = words;

    public bool Contains(int id) => (words[id >> 6] & (1UL << (id & 63))) != 0;

    public void Add(int id) => words[id >> 6] |= 1UL << (id & 63);

    public void Clear() => Array.Clear(words, 0, words.Length);

    public void CopyFrom(VariableSet other) => Array.Copy(other.words, words, words.Length);

    public VariableSet Clone() => new((ulong[])words.Clone());

    /// <summary>Keeps only the ids also in <paramref name="other"/>; true when that removed any.</summary>
    public bool IntersectWith(VariableSet other)
    {
        var changed = false;
        for (var i = 0; i < words.Length; i++)
        {
            var kept = words[i] & other.words[i];
            changed |= kept != words[i];
            words[i] = kept;
        }

        return changed;
    }
}

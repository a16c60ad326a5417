"""Pages of the practices database, one module per part of the site:

- `listing`: the list with search and facets, its downloads and map (the feed is `feeds`);
- `practice`: one practice, its moderation actions, comments and endorsements;
- `editing`: starting, editing, proposing and previewing, and the edit conflict page;
- `history`: the history, one revision, accepting, declining and reverting, comparing;
- `manage`: the member's and the moderators' lists, and imports;
- `access`: fetching what the user may see, shared by the pages above;
- `display` and `diff`: a revision's content ready to show, and what differs between two.

Every write goes through `services`; who may see or do what is asked of `permissions`. A user
gets 404 for what they may not see (someone else's draft, a pending proposal), 403 for what
they may see but not change, and the sign-in page for a write when signed out.
"""

# Results per page of the list (twenty cards, each with a 300-character excerpt, as search
# results usually come), and rows per page of a practice's history. The pages read them here
# when they answer, so a test can change them.
RESULTS_PER_PAGE = 20
PER_PAGE = 50

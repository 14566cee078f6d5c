-- repository_content.dir is the directory of relative_path without a
-- trailing '/' ("" at the top): what the content side's listings and
-- directory redirects look up.  Earlier writers of the API kept the '/';
-- repair those rows and let the database refuse any other spelling.
UPDATE repository_content SET dir = regexp_replace(relative_path, '/?[^/]*$', '')
 WHERE dir IS DISTINCT FROM regexp_replace(relative_path, '/?[^/]*$', '');
ALTER TABLE repository_content ADD CONSTRAINT repository_content_dir_check
    CHECK (dir = regexp_replace(relative_path, '/?[^/]*$', ''));

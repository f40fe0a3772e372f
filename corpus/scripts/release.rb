#!/usr/bin/env ruby
# frozen_string_literal: true

# release.rb - tag a firmware release on GitLab and trigger the packaging pipeline.
#
# FAKE test fixture for keysift: the tokens below are made up.
#
# usage: scripts/release.rb 2.4.1

require 'json'
require 'net/http'
require 'uri'

GITLAB_URL = 'https://gitlab.lumen.internal'
PROJECT_ID = 42
GITLAB_TOKEN = ENV.fetch('GITLAB_TOKEN', 'glpat-2pq2OqU6ETmgx9oQMm8e')
TRIGGER_TOKEN = 'glptt-d1e18314bf9b2c50ed709ede14a5b1b56ddfcf43'

def api(method, path, body = nil, token: GITLAB_TOKEN)
  uri = URI("#{GITLAB_URL}/api/v4#{path}")
  req = Net::HTTP.const_get(method.capitalize).new(uri)
  req['PRIVATE-TOKEN'] = token if token
  req['Content-Type'] = 'application/json'
  req.body = JSON.generate(body) if body
  res = Net::HTTP.start(uri.host, uri.port, use_ssl: true) { |http| http.request(req) }
  raise "#{method.upcase} #{path}: #{res.code} #{res.body}" unless res.is_a?(Net::HTTPSuccess)

  JSON.parse(res.body)
end

version = ARGV.fetch(0) { abort 'usage: release.rb VERSION' }
abort "bad version #{version}" unless version.match?(/\A\d+\.\d+\.\d+\z/)

tag = "fw-v#{version}"
head = api(:get, "/projects/#{PROJECT_ID}/repository/branches/main")
sha = head.dig('commit', 'id')
puts "tagging #{sha[0, 12]} as #{tag}"

api(:post, "/projects/#{PROJECT_ID}/repository/tags",
    { tag_name: tag, ref: sha, message: "Firmware #{version}" })

uri = URI("#{GITLAB_URL}/api/v4/projects/#{PROJECT_ID}/trigger/pipeline")
res = Net::HTTP.post_form(uri, 'token' => TRIGGER_TOKEN, 'ref' => tag,
                               'variables[RELEASE_VERSION]' => version)
abort "trigger failed: #{res.code}" unless res.is_a?(Net::HTTPSuccess)

pipeline = JSON.parse(res.body)
puts "packaging pipeline #{pipeline['id']}: #{pipeline['web_url']}"
